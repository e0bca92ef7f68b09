"""The licence of the open data (开放数据许可): the published records are government information
made public (政府信息公开) and may be reused by anyone under CC BY 4.0, naming the source. The code
is Apache-2.0 (``LICENSE``). Every open-data answer says so in its headers."""

from __future__ import annotations

DATA_LICENSE = "CC-BY-4.0"
DATA_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_HEADERS = {
    "X-Data-License": DATA_LICENSE,
    "Link": f'<{DATA_LICENSE_URL}>; rel="license"',
}
