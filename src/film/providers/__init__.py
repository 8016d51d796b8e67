"""Providers: the contract every provider keeps, the name registry, and the remote adapters."""
