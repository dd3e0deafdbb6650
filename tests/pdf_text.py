"""The text an fpdf2 PDF draws, read back from the file (no PDF library is
installed): each font's ToUnicode map turns the two-byte glyph codes of the
`(...) Tj` strings back into characters. Each drawn string (a cell, a line
of text) is one run; `pdf_runs` gives them top to bottom, then in the order
drawn, as the reader sees them (visual order: Persian reversed and in its
presentation forms; `plain` undoes the forms for comparing)."""
import re
import unicodedata
import zlib

_OBJECT_START = re.compile(rb"(\d+) 0 obj")
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
_TOKEN = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|([\d.]+)\s+([\d.]+)\s+Td|\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object's dictionary and its stream (inflated), read in file
    order; a stream is sliced by its /Length, as font files hold any byte."""
    found, pos = {}, 0
    while match := _OBJECT_START.search(data, pos):
        head_start = data.find(b"<<", match.end())
        if head_start < 0 or data[match.end():head_start].strip():
            pos = match.end()  # not a dictionary object (a bare number, an array): nothing we read
            continue
        depth, i = 0, head_start
        while i < len(data):
            if data.startswith(b"<<", i):
                depth, i = depth + 1, i + 2
            elif data.startswith(b">>", i):
                depth, i = depth - 1, i + 2
                if depth == 0:
                    break
            else:
                i += 1
        head, pos = data[head_start:i], i
        stream = re.match(rb"\s*stream\r?\n", data[i:i + 16])
        raw = None
        if stream:
            length = int(re.search(rb"/Length (\d+)", head).group(1))
            begin = i + stream.end()
            raw = data[begin:begin + length]
            raw = zlib.decompress(raw) if b"FlateDecode" in head else raw
            pos = begin + length
        found[int(match.group(1))] = (head, raw)
    return found


def _cmap(text: bytes) -> dict[int, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for code, uni in _BFCHAR.findall(block):
            mapping[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for low, high, start in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int(start, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(first + offset)
    return mapping


def _literal(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        byte = raw[i]
        if byte == 0x5C and i + 1 < len(raw):  # backslash
            nxt = raw[i + 1]
            if 0x30 <= nxt <= 0x37:
                digits = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4]).group()
                out.append(int(digits, 8))
                i += 1 + len(digits)
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(byte)
        i += 1
    return bytes(out)


def pdf_runs(data: bytes) -> list[str]:
    objects = _objects(data)
    fonts = {}  # object number of a Type0 font -> its map
    for number, (head, _) in objects.items():
        to_unicode = re.search(rb"/ToUnicode\s+(\d+) 0 R", head)
        if b"/Type0" in head and to_unicode:
            fonts[number] = _cmap(objects[int(to_unicode.group(1))][1] or b"")
    names = {}
    for head, _ in objects.values():
        for block in re.findall(rb"/Font\s*<<(.*?)>>", head, re.S):
            for name, ref in re.findall(rb"/(F\d+)\s+(\d+) 0 R", block):
                if int(ref) in fonts:
                    names[name.decode()] = fonts[int(ref)]
    runs, page = [], 0
    for number in sorted(objects):
        head, stream = objects[number]
        if stream is None or b"Tj" not in stream:
            continue
        page += 1
        font, y = {}, 0.0
        for match in _TOKEN.finditer(stream):
            if match.group(1):
                font = names.get(match.group(1).decode(), {})
            elif match.group(2):
                y = float(match.group(3))
            else:
                raw = _literal(match.group(4))
                text = "".join(font.get(int.from_bytes(raw[i:i + 2], "big"), "?") for i in range(0, len(raw), 2))
                runs.append((page, -y, len(runs), text))
    return [text for *_, text in sorted(runs)]


def plain(text: str) -> str:
    """Arabic presentation forms back to letters (what reshaping made)."""
    return unicodedata.normalize("NFKC", text)
