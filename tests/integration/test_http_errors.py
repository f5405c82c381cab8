"""`portico serve` against malformed and hostile request heads (RFC 9112 2-7, RFC 9110 15):
every rejected request gets its precise status in a complete response (status line, framing,
a small HTML page) and the connection is closed right after it; input split at any byte, down
to one byte per segment, is parsed as if sent in one write.
"""
import socket
import threading
import time

import pytest

from http_util import (HELLO_TXT, ResponseReader, assert_error_then_close, connect, exchange,
                       get, request_bytes)

H = b"Host: localhost\r\n"

# (name, raw request bytes, expected status). Each must be refused and the connection closed.
MALFORMED = [
    ("content_length_with_transfer_encoding",
     b"POST /hello.txt HTTP/1.1\r\n" + H +
     b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("transfer_encoding_then_content_length",
     b"POST /hello.txt HTTP/1.1\r\n" + H +
     b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
    ("differing_content_lengths",
     b"POST /hello.txt HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n"
     b"hello!", 400),
    ("differing_content_length_list",
     b"POST /hello.txt HTTP/1.1\r\n" + H + b"Content-Length: 5, 6\r\n\r\nhello!", 400),
    ("negative_content_length", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: -1\r\n\r\n", 400),
    ("plus_content_length", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: +5\r\n\r\nhello", 400),
    ("hex_content_length", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 0x5\r\n\r\nhello", 400),
    ("overflowing_content_length",
     b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 99999999999999999999999\r\n\r\n", 400),
    ("obs_fold",
     b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Long: part one\r\n  part two\r\n\r\n", 400),
    ("obs_fold_with_tab",
     b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Long: part one\r\n\tpart two\r\n\r\n", 400),
    ("space_before_colon", b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Test : v\r\n\r\n", 400),
    ("tab_before_colon", b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Test\t: v\r\n\r\n", 400),
    ("space_before_colon_in_host", b"GET /hello.txt HTTP/1.1\r\nHost : localhost\r\n\r\n", 400),
    # RFC 9112 2.2 lets a recipient accept a bare LF; portico refuses it (see parser.cpp), so
    # that it never disagrees with an intermediary about where a line ends.
    ("bare_lf_everywhere", b"GET /hello.txt HTTP/1.1\nHost: localhost\n\n", 400),
    ("bare_lf_in_field_line", b"GET /hello.txt HTTP/1.1\r\nHost: localhost\nX: y\r\n\r\n", 400),
    ("bare_lf_ending_head", b"GET /hello.txt HTTP/1.1\r\n" + H + b"\n", 400),
    ("bare_cr_in_value", b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-A: a\rb\r\n\r\n", 400),
    ("bare_cr_in_request_line", b"GET /hello.txt\r HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("nul_in_value", b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n\r\n", 400),
    ("nul_in_name", b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-\x00A: b\r\n\r\n", 400),
    ("nul_in_target", b"GET /hello\x00.txt HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("del_in_value", b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-A: a\x7fb\r\n\r\n", 400),
    ("escape_in_value", b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-A: a\x1b[31m\r\n\r\n", 400),
    ("missing_host_in_1_1", b"GET /hello.txt HTTP/1.1\r\n\r\n", 400),
    # RFC 9112 3.2: Host is required in 1.1 even when the target carries the authority.
    ("absolute_form_without_host", b"GET http://localhost/hello.txt HTTP/1.1\r\n\r\n", 400),
    ("two_hosts", b"GET /hello.txt HTTP/1.1\r\n" + H + b"Host: other\r\n\r\n", 400),
    ("two_identical_hosts", b"GET /hello.txt HTTP/1.1\r\n" + H + H + b"\r\n", 400),
    ("bad_host_value", b"GET /hello.txt HTTP/1.1\r\nHost: exa mple\r\n\r\n", 400),
    ("empty_field_name", b"GET /hello.txt HTTP/1.1\r\n" + H + b": value\r\n\r\n", 400),
    ("field_without_colon", b"GET /hello.txt HTTP/1.1\r\n" + H + b"NoColonHere\r\n\r\n", 400),
    ("non_token_field_name", b"GET /hello.txt HTTP/1.1\r\n" + H + b"X(A): b\r\n\r\n", 400),
    ("non_token_method", b"GE(T /hello.txt HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("two_spaces_after_method", b"GET  /hello.txt HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("missing_version", b"GET /hello.txt\r\n" + H + b"\r\n", 400),
    ("http_0_9_request", b"GET /hello.txt\r\n\r\n", 400),
    ("lowercase_version", b"GET /hello.txt http/1.1\r\n" + H + b"\r\n", 400),
    ("two_digit_version", b"GET /hello.txt HTTP/1.10\r\n" + H + b"\r\n", 400),
    ("trailing_space_after_version", b"GET /hello.txt HTTP/1.1 \r\n" + H + b"\r\n", 400),
    ("fragment_in_target", b"GET /hello.txt#frag HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("space_in_target", b"GET /hello .txt HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("asterisk_with_get", b"GET * HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("too_many_empty_lines", b"\r\n" * 9 + b"GET /hello.txt HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("transfer_encoding_in_1_0",
     b"POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("chunked_twice",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
    ("chunked_not_last",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    ("bad_chunk_size",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
     400),
    ("chunk_size_overflow",
     b"POST /x HTTP/1.1\r\n" + H +
     b"Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\nhello\r\n0\r\n\r\n", 400),
    ("chunk_size_with_0x",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
     400),
    ("chunk_without_crlf",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 400),
    ("chunk_line_too_long",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n5;" + b"e" * 5000 +
     b"\r\nhello\r\n0\r\n\r\n", 400),
    ("too_many_trailer_fields",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n" +
     b"".join(b"T%d: v\r\n" % i for i in range(150)) + b"\r\n", 431),
    ("trailer_section_too_large",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n" +
     b"T: " + b"v" * 9000 + b"\r\n\r\n", 431),
    ("obs_fold_in_trailer",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\nT: a\r\n b\r\n\r\n",
     400),
    ("unsupported_transfer_coding",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n", 501),
    ("unknown_transfer_coding_before_chunked",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n", 501),
    ("http_2_0_request_line", b"GET /hello.txt HTTP/2.0\r\n" + H + b"\r\n", 505),
    ("http_3_0_request_line", b"GET /hello.txt HTTP/3.0\r\n" + H + b"\r\n", 505),
    ("http_1_2_request_line", b"GET /hello.txt HTTP/1.2\r\n" + H + b"\r\n", 505),
    ("http_0_9_version", b"GET /hello.txt HTTP/0.9\r\n" + H + b"\r\n", 505),
    ("target_of_9_kib", b"GET /" + b"a" * (9 * 1024) + b" HTTP/1.1\r\n" + H + b"\r\n", 414),
    ("one_huge_header_field",
     b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-Big: " + b"v" * (40 * 1024) + b"\r\n\r\n", 431),
    ("one_hundred_and_one_fields",
     b"GET /hello.txt HTTP/1.1\r\n" + H +
     b"".join(b"X-F%d: v\r\n" % i for i in range(100)) + b"\r\n", 431),
    ("many_small_fields_over_the_size_limit",
     b"GET /hello.txt HTTP/1.1\r\n" + H +
     b"".join(b"X-F%d: %s\r\n" % (i, b"v" * 500) for i in range(90)) + b"\r\n", 431),
    ("content_length_over_the_body_limit",
     b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 2000000\r\n\r\n", 413),
    ("chunked_body_over_the_body_limit",
     b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n200000\r\n", 413),
]


@pytest.mark.parametrize("name,raw,status", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_request_gets_complete_error_and_close(serve, name, raw, status):
    server = serve()
    resp, reader = exchange(server, raw)
    assert_error_then_close(resp, reader, status)
    assert resp.header("content-type", "").startswith("text/html")
    reader.sock.close()


@pytest.mark.parametrize("name,raw,status", MALFORMED[::4], ids=[c[0] for c in MALFORMED[::4]])
def test_malformed_request_after_a_good_one_on_the_same_connection(serve, name, raw, status):
    # The first response is sent in full before the error; the error still closes.
    server = serve()
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(request_bytes("GET", "/hello.txt") + raw)
    ok = reader.read_response()
    assert ok.status == 200 and ok.body == HELLO_TXT
    assert_error_then_close(reader.read_response(), reader, status)
    sock.close()


@pytest.mark.parametrize("name,raw,status", MALFORMED[2::3], ids=[c[0] for c in MALFORMED[2::3]])
def test_request_pipelined_after_a_malformed_one_is_never_answered(serve, name, raw, status):
    # After an error the framing is in doubt: what follows must not be taken as a request
    # (the smuggling a lenient parser would allow).
    server = serve()
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(raw + request_bytes("GET", "/data.json"))
    assert_error_then_close(reader.read_response(), reader, status)
    sock.close()


@pytest.mark.parametrize("name,raw,status", MALFORMED[1::5], ids=[c[0] for c in MALFORMED[1::5]])
def test_malformed_request_sent_one_byte_at_a_time(serve, name, raw, status):
    server = serve()
    sock = connect(server)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = ResponseReader(sock)
    try:
        for i in range(len(raw)):
            sock.send(raw[i:i + 1])
            if len(raw) < 400:
                time.sleep(0.001)  # separate segments; the server may reject before the end
    except (BrokenPipeError, ConnectionResetError):
        pass  # rejected early: the response is already waiting
    assert_error_then_close(reader.read_response(), reader, status)
    sock.close()


def test_error_response_survives_a_client_still_sending(serve):
    # 413 is decided from the head; the client keeps sending its body. A lingering close
    # (reading and discarding) must let the client read the response instead of an RST.
    server = serve("--max-body-size", "1k")
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(b"PUT /upload.bin HTTP/1.1\r\n" + H + b"Content-Length: 4000000\r\n\r\n")
    errors = []

    def keep_sending():
        try:
            for _ in range(64):
                sock.sendall(b"x" * 16384)
        except OSError as e:  # the server may close once it has discarded enough
            errors.append(e)

    t = threading.Thread(target=keep_sending)
    t.start()
    resp = reader.read_response()
    t.join(60)
    assert resp.status == 413
    assert len(resp.body) == int(resp.header("content-length"))
    assert resp.wants_close()
    sock.close()


@pytest.mark.parametrize("method", ["BREW", "get", "Get", "PROPFIND", "PATCH"])
def test_unknown_or_lowercase_method_is_501(serve, method):
    # Methods are case-sensitive tokens (RFC 9110 9.1): "get" is not GET.
    server = serve()
    resp = get(server, "/hello.txt", method=method)
    assert resp.status == 501
    assert len(resp.body) == int(resp.header("content-length")) > 0


def test_expectation_other_than_100_continue_is_417(serve):
    server = serve()
    resp = get(server, "/hello.txt", headers=[("Expect", "the-unexpected")])
    assert resp.status == 417
    assert len(resp.body) == int(resp.header("content-length"))


ACCEPTED = [
    ("one_leading_empty_line", b"\r\nGET /hello.txt HTTP/1.1\r\n" + H + b"\r\n"),
    ("eight_leading_empty_lines", b"\r\n" * 8 + b"GET /hello.txt HTTP/1.1\r\n" + H + b"\r\n"),
    ("http_1_0_without_host", b"GET /hello.txt HTTP/1.0\r\n\r\n"),
    ("identical_content_lengths",
     b"GET /hello.txt HTTP/1.1\r\n" + H + b"Content-Length: 0\r\nContent-Length: 0\r\n\r\n"),
    ("value_with_tabs_and_ows", b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-A: \t a\tb \t\r\n\r\n"),
    ("obs_text_in_value", b"GET /hello.txt HTTP/1.1\r\n" + H + b"X-A: caf\xc3\xa9 \xff\r\n\r\n"),
    ("case_insensitive_field_names", b"GET /hello.txt HTTP/1.1\r\nhOsT: localhost\r\n\r\n"),
    ("absolute_form_target", b"GET http://localhost/hello.txt HTTP/1.1\r\n" + H + b"\r\n"),
    ("query_string", b"GET /hello.txt?a=1&b=%2F HTTP/1.1\r\n" + H + b"\r\n"),
    ("one_hundred_fields", b"GET /hello.txt HTTP/1.1\r\n" + H +
     b"".join(b"X-F%d: v\r\n" % i for i in range(99)) + b"\r\n"),
    ("target_just_under_8_kib",
     b"GET /hello.txt?" + b"q" * (8 * 1024 - 40) + b" HTTP/1.1\r\n" + H + b"\r\n"),
    ("chunked_body_with_extension_and_trailer",
     b"GET /hello.txt HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
     b"5;name=value\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n"),
]


@pytest.mark.parametrize("name,raw", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_valid_but_unusual_request_is_answered_and_keeps_the_connection(serve, name, raw):
    server = serve()
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(raw)
    resp = reader.read_response()
    assert resp.status == 200, resp
    assert resp.body == HELLO_TXT
    if b" HTTP/1.0\r\n" in raw:
        # HTTP/1.0 without keep-alive: the connection ends after the response.
        assert resp.wants_close() and reader.at_eof()
        return
    assert not resp.wants_close()
    sock.sendall(request_bytes("GET", "/data.json", [("Connection", "close")]))
    second = reader.read_response()
    assert second.status == 200 and second.body == b'{"ok": true}\n'
    assert reader.at_eof()
    sock.close()


def test_every_split_point_of_a_request_gives_the_same_answer(serve):
    # Two writes, split at each byte of a request with a chunked body and a pipelined follower.
    server = serve()
    raw = (b"GET /hello.txt HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
           b"3\r\nabc\r\n0\r\n\r\n" + b"HEAD /data.json HTTP/1.1\r\n" + H + b"\r\n")
    sock = connect(server)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = ResponseReader(sock)
    for cut in range(1, len(raw)):
        sock.sendall(raw[:cut])
        time.sleep(0.002)  # let the first part arrive alone more often than not
        sock.sendall(raw[cut:])
        first = reader.read_response()
        assert first.status == 200 and first.body == HELLO_TXT, f"cut at {cut}"
        second = reader.read_response("HEAD")
        assert second.status == 200 and second.body == b"", f"cut at {cut}"
        assert second.header("content-length") == "13"
    sock.close()
