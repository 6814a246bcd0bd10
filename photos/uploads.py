from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from photos import videos


class OversizeUpload(UploadedFile):
    """Stands in for a file that went over the size limit: its name and real
    size are known, its bytes were never kept."""

    def __init__(self, name, size, content_type):
        super().__init__(file=None, name=name, content_type=content_type, size=size)

    def open(self, mode=None):
        raise ValueError("the file was over the size limit and was not kept")


class SizeLimitUploadHandler(FileUploadHandler):
    """Counts each file's bytes; past PHOTO_MAX_BYTES (VIDEO_MAX_BYTES for a
    file whose name or type says video) it stops passing them on (so nothing
    more is spooled) but keeps counting to report the true size."""

    def new_file(
        self,
        field_name,
        file_name,
        content_type,
        content_length,
        charset=None,
        content_type_extra=None,
    ):
        super().new_file(
            field_name,
            file_name,
            content_type,
            content_length,
            charset,
            content_type_extra,
        )
        self.received = 0
        self.limit = (
            settings.VIDEO_MAX_BYTES
            if videos.named_as_video(file_name or "", content_type or "")
            else settings.PHOTO_MAX_BYTES
        )

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            return None
        return raw_data

    def file_complete(self, file_size):
        if self.received > self.limit:
            return OversizeUpload(self.file_name, self.received, self.content_type)
        return None
