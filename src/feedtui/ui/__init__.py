"""The terminal user interface: the Textual app, its screens and widgets."""
