"""The files departments really keep, read as CSV text for the loaders: CSV saved as UTF-8 (with or
without a BOM) or by Excel on Chinese Windows (GB18030), and Excel workbooks (.xlsx, the first
sheet). Line numbers stay those a person sees: a workbook's row n is line n of the text.

Whatever is wrong with the file itself (missing, empty, neither encoding, not a workbook) is a
:class:`BadFile` with a message in Chinese; what is wrong with a row is the loader's to report.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, time
from pathlib import Path

from domain.errors import DomainError


class BadFile(DomainError):
    code = "BAD_FILE"


def read_as_csv(path: Path) -> str:
    """The file at ``path`` as CSV text."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadFile(f"文件不存在：{path}") from None
    except IsADirectoryError:
        raise BadFile(f"{path} 是文件夹，不是文件") from None
    except PermissionError:
        raise BadFile(f"没有权限读取文件：{path}") from None
    if not data.strip():
        raise BadFile(f"文件是空的：{path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _workbook_as_csv(data, path)
    if path.suffix.lower() == ".xls":
        raise BadFile("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV")
    return _decode(data, path)


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise BadFile(f"{path} 含有 NUL 字节，不是文本文件（如为 Excel 文件，请用 .xlsx 扩展名）")
        return text
    raise BadFile(f"{path} 既不是 UTF-8 也不是 GB18030（GBK）编码的文本，请另存为 CSV（UTF-8）")


def _workbook_as_csv(data: bytes, path: Path) -> str:
    from openpyxl import load_workbook  # only loaders need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise BadFile(f"{path} 不是可读取的 Excel（.xlsx）文件：{type(exc).__name__}") from None
    try:
        sheet = book.worksheets[0]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for row in sheet.iter_rows(values_only=True):
            writer.writerow([_cell(value) for value in row])
    except (IndexError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        raise BadFile(f"{path} 的第一张工作表无法读取：{type(exc).__name__}") from None
    finally:
        book.close()
    return buffer.getvalue()


def _cell(value: object) -> str:
    """A cell as the text a person typed: dates as YYYY-MM-DD, whole numbers without ``.0``; one
    line, so that a row stays one line of the text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split("\n")).replace("\r", " ")
