"""Present: results as people and programs read them.

- ``terminal``: tables and diffs for the terminal, and the JSON shapes (docs/json.md);
- ``reports``: the same for the audit commands;
- ``html``: pages rendered from the Jinja2 templates in ``templates/`` (autoescaped), shared by
  ``diff --html``, ``audit --html`` (``audit_html``) and the viewer.
"""
