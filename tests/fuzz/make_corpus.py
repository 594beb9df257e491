#!/usr/bin/env python3
# make_corpus.py: writes the committed seed corpus of the fuzz targets (tests/fuzz/corpus/TARGET/), deterministically.
#
#   python3 tests/fuzz/make_corpus.py      (from anywhere; rewrites corpus/)
#
# Seeds are small, readable starting points: valid requests, Korean and
# emoji text, values at and just past each limit, bad UTF-8, page tokens and
# JWTs signed with the fuzz targets' fixed key. Protobuf is encoded by hand
# (the wire format of a few string and integer fields is simple), so this
# needs nothing beyond Python's standard library.
import base64
import hashlib
import hmac
import json
import pathlib
import shutil

HERE = pathlib.Path(__file__).resolve().parent
# Must match token_fuzzer.cc.
FIXED_SECRET = b"miniter-fuzz-fixed-secret-0123456789abcdef"
OTHER_SECRET = b"some-other-secret-0123456789abcdef-0123456789"
NOW = 1780272000  # 2026-06-01T00:00:00Z, token_fuzzer.cc's clock

# Request kinds: the first byte of a request_fuzzer input.
# RAW skips protobuf: the bytes go to every text rule as they are.
SIGNUP, LOGIN, TWEET, FOLLOW, UNFOLLOW, TIMELINE, RAW = range(7)


def varint(n):
    n &= (1 << 64) - 1  # negative int32 values are sent as 64-bit varints
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def string_field(number, value):
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def int_field(number, value):
    return varint(number << 3 | 0) + varint(value)


def request(kind, *fields):
    return bytes([kind]) + b"".join(fields)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(payload, header=None, secret=FIXED_SECRET, signature=None):
    header = header or {"alg": "HS256", "typ": "JWT"}
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     b64url(json.dumps(payload, separators=(",", ":")).encode()))
    if signature is None:
        signature = b64url(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
    return signing_input + "." + signature


def claims(**overrides):
    base = {"iss": "miniter", "sub": "42", "iat": NOW - 3600, "exp": NOW + 3600}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def page_token(text):
    return base64.urlsafe_b64encode(text.encode()).decode()


def request_seeds():
    s = {}
    s["signup_valid"] = request(SIGNUP, string_field(1, "Ann"), string_field(2, "ann@example.com"),
                                string_field(3, "correct horse battery"), string_field(4, "hello"))
    s["signup_korean"] = request(SIGNUP, string_field(1, "민수"), string_field(2, "minsu@example.com"),
                                 string_field(3, "correct horse battery"), string_field(4, "안녕하세요 👋"))
    s["signup_emoji_name"] = request(SIGNUP, string_field(1, "👩‍💻🚀"), string_field(2, "dev@example.com"),
                                     string_field(3, "12345678"))
    s["signup_name_255"] = request(SIGNUP, string_field(1, "가" * 255), string_field(2, "a@b.co"),
                                   string_field(3, "password"))
    s["signup_name_256"] = request(SIGNUP, string_field(1, "가" * 256), string_field(2, "a@b.co"),
                                   string_field(3, "password"))
    s["signup_blank_name"] = request(SIGNUP, string_field(1, " \u3000\t"), string_field(2, "a@b.co"),
                                     string_field(3, "password"))
    s["signup_profile_2000"] = request(SIGNUP, string_field(1, "P"), string_field(2, "p@example.org"),
                                       string_field(3, "password"), string_field(4, "😀" * 2000))
    s["signup_profile_2001"] = request(SIGNUP, string_field(1, "P"), string_field(2, "p@example.org"),
                                       string_field(3, "password"), string_field(4, "a" * 2001))
    s["signup_email_upper_unicode"] = request(SIGNUP, string_field(1, "Ü"),
                                              string_field(2, "ÜBER.Straße@Example.COM"),
                                              string_field(3, "password"))
    local = "a" * 64
    domain = ".".join(["b" * 63, "c" * 63, "d" * 59])  # 254 bytes in all
    s["signup_email_254"] = request(SIGNUP, string_field(1, "E"),
                                    string_field(2, f"{local}@{domain}"), string_field(3, "password"))
    s["signup_email_255"] = request(SIGNUP, string_field(1, "E"),
                                    string_field(2, f"{local}@{domain}x"), string_field(3, "password"))
    s["signup_email_two_at"] = request(SIGNUP, string_field(1, "E"), string_field(2, "a@b@c.d"),
                                       string_field(3, "password"))
    s["signup_email_no_dot"] = request(SIGNUP, string_field(1, "E"), string_field(2, "a@localhost"),
                                       string_field(3, "password"))
    s["signup_bad_utf8_name"] = request(SIGNUP, string_field(1, b"\xc3\x28\xff"), string_field(2, "a@b.co"),
                                        string_field(3, "password"))
    s["signup_overlong_nul"] = request(SIGNUP, string_field(1, b"a\xc0\x80b"), string_field(2, "a@b.co"),
                                       string_field(3, "password"))
    s["signup_surrogate"] = request(SIGNUP, string_field(1, b"\xed\xa0\x80"), string_field(2, "a@b.co"),
                                    string_field(3, "password"))
    s["login_valid"] = request(LOGIN, string_field(1, "ann@example.com"), string_field(2, "correct horse battery"))
    s["login_password_7"] = request(LOGIN, string_field(1, "a@b.co"), string_field(2, "1234567"))
    s["login_password_1024"] = request(LOGIN, string_field(1, "a@b.co"), string_field(2, "비" * 1024))
    s["login_password_1025"] = request(LOGIN, string_field(1, "a@b.co"), string_field(2, "x" * 1025))
    s["login_truncated"] = request(LOGIN, string_field(1, "ann@example.com"))[:-4]
    s["tweet_korean_emoji"] = request(TWEET, string_field(1, "안녕하세요 👋"))
    s["tweet_300_hangul"] = request(TWEET, string_field(1, "한" * 300))
    s["tweet_301_hangul"] = request(TWEET, string_field(1, "한" * 301))
    s["tweet_300_emoji"] = request(TWEET, string_field(1, "🎉" * 300))
    # 300 syllables spelled as conjoining jamo: 900 code points before NFC.
    s["tweet_300_jamo"] = request(TWEET, string_field(1, "\u1112\u1161\u11ab" * 300))
    s["tweet_combining"] = request(TWEET, string_field(1, "e\u0301" * 150 + "\u0301"))
    s["tweet_blank"] = request(TWEET, string_field(1, " \n\t\u00a0\u2028"))
    s["tweet_empty"] = request(TWEET)
    s["tweet_control"] = request(TWEET, string_field(1, "bell\x07 esc\x1b[31m"))
    s["tweet_zero_width"] = request(TWEET, string_field(1, "\u200b\u200d\ufeff"))
    s["tweet_bad_utf8"] = request(TWEET, string_field(1, b"\xf4\x90\x80\x80"))
    s["tweet_unknown_field"] = request(TWEET, string_field(1, "hi"), string_field(99, "extra"), int_field(100, 7))
    s["follow_2"] = request(FOLLOW, int_field(1, 2))
    s["follow_max"] = request(FOLLOW, int_field(1, (1 << 64) - 1))
    s["unfollow_0"] = request(UNFOLLOW, int_field(1, 0))
    s["timeline_default"] = request(TIMELINE)
    s["timeline_page_100"] = request(TIMELINE, int_field(1, 7), int_field(2, 100),
                                     string_field(3, page_token("v1:7:12345")))
    s["timeline_page_101"] = request(TIMELINE, int_field(2, 101))
    s["timeline_page_negative"] = request(TIMELINE, int_field(2, -1))
    s["timeline_token_max_ids"] = request(TIMELINE, string_field(
        3, page_token(f"v1:{(1 << 64) - 1}:{(1 << 64) - 1}")))
    s["timeline_token_overflow"] = request(TIMELINE, string_field(3, page_token(f"v1:1:{1 << 64}")))
    s["timeline_token_unpadded"] = request(TIMELINE, string_field(3, page_token("v1:42:100").rstrip("=")))
    s["timeline_token_v2"] = request(TIMELINE, string_field(3, page_token("v2:1:2")))
    s["timeline_token_zero"] = request(TIMELINE, string_field(3, page_token("v1:0:5")))
    s["timeline_token_garbage"] = request(TIMELINE, string_field(3, "!!not base64!!"))
    s["timeline_token_129"] = request(TIMELINE, string_field(3, "A" * 129))
    for name, raw in {"raw_bad_utf8": b"ok \xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc",
                      "raw_truncated_4byte": "👋".encode()[:3],
                      "raw_overlong_slash": b"\xe0\x80\xaf",
                      "raw_surrogate_pair": b"\xed\xa0\xbd\xed\xb8\x80",
                      "raw_nul_inside": b"name\x00@example.com",
                      "raw_noncharacter": "\ufffe\uffff".encode(),
                      "raw_korean": "민수@예시.한국".encode(),
                      "raw_page_token": page_token("v1:1:1").encode()}.items():
        s[name] = bytes([RAW]) + raw
    return s


def token_seeds():
    s = {}
    valid = jwt(claims())
    s["bearer_valid"] = "Bearer " + valid
    s["bare_valid"] = valid
    s["bearer_lowercase_spaces"] = "bearer    " + valid + "  \t"
    s["basic_scheme"] = "Basic YWxhZGRpbjpvcGVuc2VzYW1l"
    s["bearer_empty"] = "Bearer "
    s["empty"] = ""
    s["expired"] = "Bearer " + jwt(claims(exp=NOW - 1))
    s["expires_now"] = "Bearer " + jwt(claims(exp=NOW))
    s["no_exp"] = "Bearer " + jwt(claims(exp=None))
    s["exp_string"] = "Bearer " + jwt(claims(exp=str(NOW + 3600)))
    s["wrong_issuer"] = "Bearer " + jwt(claims(iss="someone-else"))
    s["no_subject"] = "Bearer " + jwt(claims(sub=None))
    s["subject_zero"] = "Bearer " + jwt(claims(sub="0"))
    s["subject_negative"] = "Bearer " + jwt(claims(sub="-1"))
    s["subject_overflow"] = "Bearer " + jwt(claims(sub=str(1 << 64)))
    s["subject_number"] = "Bearer " + jwt(claims(sub=42))
    s["other_key"] = "Bearer " + jwt(claims(), secret=OTHER_SECRET)
    s["alg_none"] = "Bearer " + jwt(claims(), header={"alg": "none", "typ": "JWT"}, signature="")
    s["alg_hs512_header"] = "Bearer " + jwt(claims(), header={"alg": "HS512", "typ": "JWT"})
    s["alg_rs256_header"] = "Bearer " + jwt(claims(), header={"alg": "RS256", "typ": "JWT"})
    s["two_parts"] = "Bearer " + ".".join(valid.split(".")[:2])
    s["four_parts"] = "Bearer " + valid + ".AAAA"
    s["bad_base64"] = "Bearer " + valid.replace("e", "*", 3)
    s["header_not_json"] = "Bearer " + b64url(b"{not json") + "." + valid.split(".", 1)[1]
    s["nested_json"] = "Bearer " + jwt(claims(sub={"a": [1, {"b": None}]}))
    s["oversize"] = "Bearer " + "A" * 4100
    return {name: value.encode() for name, value in s.items()}


def database_url_seeds():
    urls = [
        "mysql://miniter:secret@127.0.0.1:3306/miniter",
        "mysql://miniter:secret@localhost/miniter?socket=/run/mysqld/mysqld.sock",
        "MYSQL://u@h/db",
        "mysql://u:p%40ss%3Aw%2Ford@[::1]:13307/db",
        "mysql://u:p@ss@host/db",
        "mysql://u:%zz@host/db",
        "mysql://u:p@[::1/db",
        "mysql://u:p@[::1]x/db",
        "mysql://u:p@host:/db",
        "mysql://u:p@host:65536/db",
        "mysql://u:p@host:+1/db",
        "mysql://u:p@host:0/db",
        "mysql://u:p@host",
        "mysql://u:p@host/",
        "mysql://u:p@host/a%2Fb",
        "mysql://:p@host/db",
        "mysql://u:p@host/db#frag",
        "mysql://u:p@host/db?socket=relative",
        "mysql://u:p@host/db?socket=",
        "mysql://u:p@host/db?ssl=1",
        "mysql://u:p@/db?socket=%2Ftmp%2Fm.sock&&",
        "mysql://u:p@host/db%00",
        "mysql://%ED%95%9C:%F0%9F%94%91@db.example/%EB%AF%B8%EB%8B%88",
        "postgres://u:p@host/db",
        "mysql://",
        "mysql://u:p@127.0.0.1:3306/db?ssl-ca=%2Fetc%2Fmy%20ca.pem",
        "mysql://u:p@h/db?ssl-mode=verify-identity&ssl-ca=/ca.pem&ssl-cert=/c.pem&ssl-key=/c.key",
        "mysql://u:p@h/db?ssl-mode=verify-ca&ssl-ca=/ca.pem",
        "mysql://u:p@h/db?socket=/s.sock&ssl-ca=/ca.pem&ssl-ca=/ca.pem",
    ]
    return {f"url_{i:02d}": url.encode() for i, url in enumerate(urls)}


def main():
    for target, seeds in (("request_fuzzer", request_seeds()),
                          ("token_fuzzer", token_seeds()),
                          ("database_url_fuzzer", database_url_seeds())):
        directory = HERE / "corpus" / target
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        for name, data in seeds.items():
            (directory / name).write_bytes(data)
        print(f"{directory.relative_to(HERE)}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
