"""MkDocs hook: the site loads nothing from the network.

nbconvert's HTML for a notebook with stored widget state adds a script that fetches the Jupyter
widget renderer from a CDN (unpkg). The site drops it: a widget then shows nothing, and the
notebooks already show the same content statically for readers without a kernel.
"""

import re

WIDGETS_FROM_CDN = re.compile(r"<script>\s*\(function\(\) \{\s*function addWidgetsRenderer\(\).*?</script>", re.S)


def on_post_page(output: str, page, config) -> str:
    return WIDGETS_FROM_CDN.sub("", output)
