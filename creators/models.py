"""Creators, video posts, product tags, attribution, commissions and payouts (the creators issue)."""
