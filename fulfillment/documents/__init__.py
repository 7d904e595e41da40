"""Printable warehouse documents (PDF, reportlab): pick lists."""
