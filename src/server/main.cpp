// The portico binary: a thin main over the server library.
#include "server/cli.h"

int main(int argc, char** argv) { return portico::server::run_cli(argc, argv); }
