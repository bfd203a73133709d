"""The Textual sign-off app (`gate signoff`). Only gate.cli imports it, inside the `signoff` handler.

`make_app(...)` in gate.tui.app builds the app for the command line and for the tests alike.
"""
