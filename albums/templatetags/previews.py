"""{% link_preview album %}: an album's Open Graph and Twitter card tags, for
the <head> of a page about it (albums.previews)."""

from django import template

from albums import previews

register = template.Library()


@register.inclusion_tag("albums/link_preview_meta.html", takes_context=True)
def link_preview(context, album):
    return {"preview": previews.link_preview(context["request"], album)}
