"""Images Liner draws itself: the Open Graph preview (``og``), rendered with Pillow."""
