"""What every storage backend offers, and the part they do the same way.

A backend wraps the Django storage of STORAGES["default"] (`self.storage`):
core.storage.local.LocalBackend for the local signed folder,
core.storage.s3.S3Backend for S3. core.storage picks one of them once and
hands every call to it; nothing else asks which one it is.
"""


class StorageBackend:
    """One storage backend; subclasses add url, list, iter_objects and
    open_signed. Keys are the objects' names as the rest of the code knows
    them (`albums/12/<uuid>.jpg`)."""

    def __init__(self, storage):
        self.storage = storage

    def save(self, key, content):
        """Store a Django File under exactly `key` and return the key."""
        saved = self.storage.save(key, content)
        if saved != key:  # keys are random: a clash means something is badly wrong
            self.storage.delete(saved)
            raise FileExistsError(f"storage object {key} already exists")
        return key

    def delete(self, key):
        self.storage.delete(key)

    def exists(self, key):
        return self.storage.exists(key)

    def url(self, key, parameters, expire=None):
        """A signed GET URL for `key`, valid `expire` seconds (the storage's
        default when None), with S3's response overrides in `parameters`
        (ResponseContentType, ResponseContentDisposition)."""
        raise NotImplementedError

    def list(self, prefix=""):
        """Yield (key, last_modified) for every object whose key starts with
        `prefix`, without holding the whole listing."""
        raise NotImplementedError

    def iter_objects(self, keys, chunk_size):
        """One iterator of byte chunks per key, to be read in order."""
        raise NotImplementedError

    def open_signed(self, name, query):
        """For the `media` view: (open file, signed parameters) of the object
        a signed URL of ours names, or None when its signature is forged or
        expired. Raises OSError when there is no such object to serve."""
        raise NotImplementedError
