"""The app's widgets: the feeds, entries and reader panes and the refresh status line."""
