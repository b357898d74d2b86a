"""Flask's JSON provider with compact output encoded by orjson.

Flask's default provider encodes every answer with the standard library's json module, in
Python for anything but plain strings. Compact output (what every response uses) goes
through orjson instead, with the same sorted keys and the same conversions for the types
Flask knows (dates as HTTP dates, Decimal, UUID, dataclasses, __html__); non-ASCII text is
sent as UTF-8 rather than \\u escapes. Indented output (debug) and anything orjson refuses
(integers beyond 64 bits, say) take Flask's own path.
"""

import orjson
from flask.json.provider import DefaultJSONProvider

COMPACT = (",", ":")
# Dates and dataclasses go to Flask's default(), so they encode as Flask encodes them.
_PASSED_THROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class OrjsonProvider(DefaultJSONProvider):
    """Compact JSON by orjson; everything else as Flask's DefaultJSONProvider does it."""

    def _compact(self, obj, newline=False):
        """orjson's bytes for obj, or None where Flask's own encoder must decide."""
        option = _PASSED_THROUGH | orjson.OPT_NON_STR_KEYS
        if self.sort_keys:
            option |= orjson.OPT_SORT_KEYS
        if newline:
            option |= orjson.OPT_APPEND_NEWLINE
        try:
            return orjson.dumps(obj, default=self.default, option=option)
        except orjson.JSONEncodeError:
            return None

    def dumps(self, obj, **kwargs):
        """A JSON string; compact ones are encoded by orjson."""
        if kwargs == {"separators": COMPACT} and (encoded := self._compact(obj)) is not None:
            return encoded.decode()
        return super().dumps(obj, **kwargs)

    def response(self, *args, **kwargs):
        """A JSON response of the arguments, compact unless debugging (as Flask's)."""
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        encoded = self._compact(self._prepare_response_obj(args, kwargs), newline=True)
        if encoded is None:
            return super().response(*args, **kwargs)
        return self._app.response_class(encoded, mimetype=self.mimetype)
