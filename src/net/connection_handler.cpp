// ConnectionHandler: default reactions to half-close and idle timeout.
#include "portico/net/connection_handler.h"

#include "portico/net/tcp_connection.h"

namespace portico::net {

void ConnectionHandler::on_peer_half_closed(TcpConnection& conn) { conn.shutdown(); }

void ConnectionHandler::on_idle_timeout(TcpConnection& conn) { conn.close(); }

}  // namespace portico::net
