#!/usr/bin/env bash
# Rejects includes that point up the layer stack (server -> proxy -> http -> tls -> net -> base).
# A layer may include its own headers and those of the layers below, public or internal.
set -euo pipefail
cd "$(dirname "$0")/.."
order=(base net tls http proxy server)
status=0
for i in "${!order[@]}"; do
  layer=${order[$i]}
  above=("${order[@]:$((i + 1))}")
  # http must not see OpenSSL or the tls layer directly: it uses net::Transport.
  [[ $layer == http ]] && above+=(tls)
  [[ ${#above[@]} -eq 0 ]] && continue
  pattern="#include [\"<](portico/)?($(IFS='|'; echo "${above[*]}"))/"
  for dir in "src/$layer" "include/portico/$layer"; do
    [[ -d $dir ]] || continue
    if hits=$(grep -rnE "$pattern" "$dir"); then
      echo "layering: $layer must not include from above it:" >&2
      echo "$hits" >&2
      status=1
    fi
  done
done
# Public headers include only <portico/...>-style project headers and the standard library.
if hits=$(grep -rnE '#include [<"](openssl|zlib|brotli|zstd|ares|toml|CLI|spdlog|fmt|sys/epoll)' include/); then
  echo "layering: public headers must not include third-party or Linux-specific headers:" >&2
  echo "$hits" >&2
  status=1
fi
exit $status
