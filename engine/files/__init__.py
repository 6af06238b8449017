"""Uploaded files: what they really are (``sniff``), who may read them
(``access``) and the short-lived signed URLs that download them (``signing``).

The bytes live outside the database (``<data dir>/files/<tenant>/<id>``); the
descriptor row lives in the tenant's ``files`` table and records refer to it
by id from their attachment and image fields.
"""
