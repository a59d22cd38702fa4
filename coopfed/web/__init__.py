"""Server-rendered web pages (Jinja2), usable without JavaScript, in French and English."""
