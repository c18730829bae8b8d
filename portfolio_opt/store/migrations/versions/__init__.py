"""One module per schema revision, oldest first: ``0001`` the record, ``0002`` named scenarios."""
