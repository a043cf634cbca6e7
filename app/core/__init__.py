"""Pure domain helpers: no Flask, no database."""
