"""grpc_health_frames.py: the bytes of a grpc.health.v1 Check call over
cleartext HTTP/2, for HAProxy's tcp-check in scripts/lib/miniter_cluster.py.

HAProxy 2.6's `http-check send` takes its body as a C string, so it cannot
send a gRPC message (every gRPC frame starts with a zero byte: the
"compressed" flag, then a 4-byte length); `body "\\x00..."` is rejected and
`body-lf "%[bin(...)]"` arrives empty. So the check is a tcp-check that
speaks HTTP/2 itself, and this module writes what it sends and expects:

  request_bytes(service)  the connection preface, an empty SETTINGS frame, a
                          HEADERS frame (POST /grpc.health.v1.Health/Check,
                          content-type application/grpc, te: trailers; HPACK
                          literals without Huffman coding, so no dynamic
                          table state) and a DATA frame that ends the stream
                          with HealthCheckRequest{service}
  SERVING_REPLY           the gRPC message HealthCheckResponse{status:
                          SERVING} as it appears in the reply's DATA frame

Run on its own it prints both in hex: `python3 grpc_health_frames.py SERVICE`.
"""
import sys

# HTTP/2 (RFC 9113): what a client sends first, then frame types and flags.
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, SETTINGS = 0x0, 0x1, 0x4
END_STREAM, END_HEADERS = 0x1, 0x4
STREAM = 1  # the first stream a client opens

# HPACK (RFC 7541) static table entries the request uses.
METHOD_POST, SCHEME_HTTP, AUTHORITY, PATH, CONTENT_TYPE = 3, 6, 1, 4, 31


def hpack_integer(value, prefix_bits, first_byte=0):
    """An HPACK integer (RFC 7541 5.1) in a prefix of `prefix_bits` bits."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte | value])
    out = [first_byte | limit]
    value -= limit
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack_string(text):
    """A string literal, not Huffman-coded (RFC 7541 5.2)."""
    data = text.encode()
    return hpack_integer(len(data), 7) + data


def hpack_literal(name, value):
    """A header "without indexing" (RFC 7541 6.2.2): `name` is a static
    table index or a new name; the decoder's dynamic table stays empty."""
    if isinstance(name, int):
        return hpack_integer(name, 4) + hpack_string(value)
    return b"\x00" + hpack_string(name) + hpack_string(value)


def frame(kind, flags, stream, payload):
    """An HTTP/2 frame: 24-bit length, type, flags, 31-bit stream id."""
    return (len(payload).to_bytes(3, "big") + bytes([kind, flags]) +
            stream.to_bytes(4, "big") + payload)


def grpc_message(payload):
    """A gRPC length-prefixed message: not compressed, 4-byte length."""
    return b"\x00" + len(payload).to_bytes(4, "big") + payload


def request_bytes(service):
    # HealthCheckRequest: field 1 (service), wire type 2 (length-delimited).
    name = service.encode()
    assert len(name) < 0x80, "a longer name needs a multi-byte varint"
    message = b"\x0a" + bytes([len(name)]) + name
    headers = (hpack_integer(METHOD_POST, 7, 0x80) +
               hpack_integer(SCHEME_HTTP, 7, 0x80) +
               hpack_literal(PATH, "/grpc.health.v1.Health/Check") +
               hpack_literal(AUTHORITY, "localhost") +
               hpack_literal(CONTENT_TYPE, "application/grpc") +
               hpack_literal("te", "trailers"))
    return (PREFACE + frame(SETTINGS, 0, 0, b"") +
            frame(HEADERS, END_HEADERS, STREAM, headers) +
            frame(DATA, END_STREAM, STREAM, grpc_message(message)))


# HealthCheckResponse: field 1 (status), varint, 1 = SERVING. NOT_SERVING
# (08 02) or an error status (no DATA frame at all) does not match.
SERVING_REPLY = grpc_message(b"\x08\x01")

if __name__ == "__main__":
    print(request_bytes(sys.argv[1]).hex())
    print(SERVING_REPLY.hex())
