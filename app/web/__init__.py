"""Cross-cutting web concerns: rendering, security headers, locale, errors, health, logging."""
