"""Service cards (一人一卡): the signed QR payload, the county's keys, printing, checking.

- :mod:`.payload`: the card text (versioned, Ed25519-signed) and its strict reader;
- :mod:`.keys`: key pairs, the key ring, key files;
- :mod:`.qr`: the QR symbol of a payload (version 8, error correction Q);
- :mod:`.render` and :mod:`.sheet`: one card drawn, A4 sheets (PDF) and PNG files;
- :mod:`.records`: what cards read from and write to the laptop store;
- :mod:`.errors`: one typed error per reason a card, a key or a print job is refused.
"""
