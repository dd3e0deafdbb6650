"""The staff API's JSON parser: DRF's, refusing what no field could store.

A string or key with a NUL or a lone surrogate is 400 `invalid_characters`
(apps.core.input_guard), and nesting too deep for Python's parser is 400
`parse_error` like any other malformed body: never a 500 further in.

A number no column holds (an integer beyond 64 bits, 1e400, NaN) is not
refused here: it arrives as the text that was sent (UnstorableNumber), which
no integer or decimal field accepts (a 400 `validation_error` naming the
field), so a float infinity or an integer PostgreSQL cannot hold never gets
further. Fields the API does not read are ignored, whatever their numbers,
as the schema allows.
"""
import codecs
import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from apps.core.input_guard import INVALID_CHARACTERS, JSON_HOOKS, unstorable



class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = json.loads(codecs.getreader(encoding)(stream).read(), **JSON_HOOKS)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except ValueError as exc:  # not JSON, not in the charset, an integer of thousands of digits
            raise ParseError(f"JSON parse error - {exc}") from None
        found = unstorable(data, numbers=False)
        if found is not None:
            where, code = found
            raise ParseError(f"{INVALID_CHARACTERS} See {where or 'the body'}.", code=code)
        return data
