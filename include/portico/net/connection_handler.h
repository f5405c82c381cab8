// ConnectionHandler: the per-connection protocol logic a TcpConnection drives (HTTP, echo, ...).
#pragma once

#include <cstddef>

namespace portico::net {

class Buffer;
class TcpConnection;

// One handler object per connection, owned by the connection (std::unique_ptr), so protocol
// state lives here and dies with the connection. All calls come on the connection's loop
// thread. The handler may call any TcpConnection method from inside a callback, including
// close()/abort(): the connection object stays valid until the callback returns.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;

  // Established (after the transport handshake, e.g. TLS).
  virtual void on_connected(TcpConnection& /*conn*/) {}
  // New bytes were appended to input. Consume what forms complete messages (input.retrieve)
  // and leave the rest for the next call; the buffer keeps unconsumed bytes.
  virtual void on_data(TcpConnection& conn, Buffer& input) = 0;
  // The output queue drained completely (all send()/send_file() data handed to the kernel).
  virtual void on_write_complete(TcpConnection& /*conn*/) {}
  // Queued output (memory bytes) reached the high-water mark; called once per crossing.
  // Typical reaction: conn.pause_reading() until on_write_complete.
  virtual void on_high_water(TcpConnection& /*conn*/, size_t /*queued*/) {}
  // The peer sent FIN (read returned EOF): it will send nothing more but may still read. The
  // default finishes our side once queued output is sent (half-close); a handler that still
  // has replies to produce may override and call shutdown() or close() when done. Leaving a
  // connection in this state forever would leak a CLOSE_WAIT socket; the idle timeout (if set)
  // still applies.
  virtual void on_peer_half_closed(TcpConnection& conn);
  // The idle timeout expired (no bytes in or out for the configured time). Default: close().
  virtual void on_idle_timeout(TcpConnection& conn);
  // The connection is closed (fd closed, no further callbacks). Last call on the handler.
  virtual void on_closed(TcpConnection& /*conn*/) {}
};

}  // namespace portico::net
