"""The core library: models, OPML, fetching, parsing and storage. Never imports Textual."""
