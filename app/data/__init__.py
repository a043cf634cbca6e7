"""What every feature's models are built on, below the features and the merchants package:
``bases.py`` holds the mixins. It may import ``app.extensions`` and ``app.core``, nothing else
of Kassa."""
