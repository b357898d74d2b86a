"""Accounts: what links a user to the school records they act on."""
