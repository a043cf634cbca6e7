"""What every feature's models are built on, below the features and the merchants package:
``bases.py`` holds the mixins, ``after_commit.py`` work run after a commit, ``sessions.py``
commits that keep what was read, ``clock.py`` the scheduler's clock (its test row in
``models.py``). It may import ``app.extensions`` and ``app.core``, nothing else of Kassa."""
