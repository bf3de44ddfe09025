"""Business card recognition: untrusted photo in, contact fields out, all on this machine.

``images`` checks and re-encodes uploads, ``ocr`` runs rapidocr's bundled models and puts
lines in reading order (``vertical`` re-reads vertical Chinese columns), ``qr`` reads
vCard / MeCard QR codes, ``fields`` turns lines into fields, ``scanner`` ties them
together, ``command`` is ``crmbot card``. Import from the submodules: this package file
stays empty so that ``crmbot --help`` doesn't load numpy and Pillow.
"""
