"""The app's screens: one screen per module, its CSS in a .tcss file beside it."""
