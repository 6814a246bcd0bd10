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

    # Direct uploads: the browser sends an upload's bytes straight to storage,
    # one signed PUT per part, under a key the server chose. An upload of one
    # part is a plain PUT of the object; more parts make a multipart upload.
    # Every signed URL binds the key, the part number and the exact size (and
    # the content type for a single PUT), and expires in minutes.

    def start_upload(self, key, content_type, parts):
        """Begin an upload of `parts` parts to `key`; returns its upload id
        ("" for a single PUT)."""
        raise NotImplementedError

    def sign_upload_part(self, key, upload_id, number, size, content_type, expire):
        """{"url", "method", "headers"} for sending part `number` of `size`
        bytes (the whole object when upload_id is "")."""
        raise NotImplementedError

    def upload_parts(self, key, upload_id):
        """[{"number", "size", "etag"}] of the parts storage has so far."""
        raise NotImplementedError

    def finish_upload(self, key, upload_id, parts):
        """Assemble the parts ([{"number", "etag"}]) into the object `key`."""
        raise NotImplementedError

    def abort_upload(self, key, upload_id):
        """Drop an unfinished upload's parts (nothing for a single PUT)."""
        raise NotImplementedError

    def unfinished_uploads(self, prefix):
        """Yield (key, upload_id, started) of multipart uploads never
        finished or aborted, for reconcile_storage."""
        raise NotImplementedError

    def size(self, key):
        """The stored object's size in bytes (FileNotFoundError if none)."""
        return self.storage.size(key)
