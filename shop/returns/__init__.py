"""The shopper's return pages (ask for a return, download its label) and the reads they and the API share."""
