#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A real local stack ([local] in tunfilter.conf(5)): the tf-host TUN's
# kernel side, in the gw namespace, holds the router's addresses, so real
# programs on the gateway serve and connect through the daemon, with
# conntrack and NAT on their packets.
#
#   netns lan                 netns gw                              netns wan
#  +------------------+      +-------------------------------+      +------------------+
#  | lan0 10.1.0.2/24 |<====>| tunfilterd                    |<====>| wan0 10.2.0.2/24 |
#  | client           | TUN  |   || tf-host (TUN)            | TUN  | whoami :80       |
#  |                  |      | kernel: 10.1.0.1/24 10.2.0.1/24      |                  |
#  |                  |      |   default dev tf-host         |      |                  |
#  |                  |      | whoami 10.1.0.1:8000          |      |                  |
#  |                  |      | resolver 10.1.0.1:1153 (UDP)  |      |                  |
#  +------------------+      +-------------------------------+      +------------------+
#
#  nat PREROUTING -i lan0 -d 198.51.100.53 udp dport 53 -> REDIRECT :1153
#  nat OUTPUT -d 203.0.113.80 tcp dport 80 -> DNAT 10.2.0.2:80
#  nat POSTROUTING -s 10.1.0.1 -o wan0 -> MASQUERADE

. "$(dirname "$0")/lib.sh"
. "$TF_LIBDIR/lib-rules.sh"
. "$TF_LIBDIR/lib-nat.sh"

HOST_IF=tf-host
DNS_VIP=198.51.100.53
OUT_VIP=203.0.113.80

tf_rules_write <<EOF
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d $DNS_VIP/32 -i $LAN_IF -p udp -m udp --dport 53 -j REDIRECT --to-ports 1153
-A OUTPUT -d $OUT_VIP/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination $WAN_HOST:80
-A POSTROUTING -s $LAN_ROUTER/32 -o $WAN_IF -j MASQUERADE
COMMIT
EOF
tf_rules_config
printf '\n[local]\nname = %s\n' "$HOST_IF" >>"$TF_CONF"
tf_lab_up

# A TCP server on the gateway bound to the router's LAN address: it answers
# with the peer it sees.
tf_bg ip netns exec "$NS_GW" "$TF_PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8000))
s.listen(8)
while True:
    c, a = s.accept()
    c.sendall(("%s:%d\n" % a).encode())
    c.close()
' "$LAN_ROUTER"
# A resolver stand-in on the gateway: answers each datagram with "answer "
# and the question.
tf_bg ip netns exec "$NS_GW" "$TF_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 1153))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b"answer " + d, a)
' "$LAN_ROUTER"
nat_server "$NS_WAN" whoami 80 || exit 1
# shellcheck disable=SC2016
wait_for 10 sh -c 'ip netns exec "$1" ss -Hltn "sport = :8000" | grep -q LISTEN' _ "$NS_GW"
# shellcheck disable=SC2016
wait_for 10 sh -c 'ip netns exec "$1" ss -Hlun "sport = :1153" | grep -q 1153' _ "$NS_GW"

# ask_udp NS HOST PORT: one question; prints "FROM-ADDR:PORT ANSWER".
ask_udp()
{
	timeout 10 ip netns exec "$1" "$TF_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for _ in range(3):
    s.sendto(b"example.org?", (sys.argv[1], int(sys.argv[2])))
    try:
        d, a = s.recvfrom(2048)
    except socket.timeout:
        continue
    print("%s:%d %s" % (a[0], a[1], d.decode()))
    break
else:
    sys.exit(1)
' "$2" "$3"
}

check "the host TUN's kernel side holds the router's addresses" \
	sh -c "ip -n $NS_GW -o addr show dev $HOST_IF | grep -q 'inet $LAN_ROUTER/24' &&
		ip -n $NS_GW -o addr show dev $HOST_IF | grep -q 'inet $WAN_ROUTER/24' &&
		ip -n $NS_GW route show default | grep -q 'dev $HOST_IF'"
check_output "a TCP server on the gateway's LAN address answers a LAN client" \
	"^$LAN_HOST:[0-9]+\$" nat_ask "$NS_LAN" "$LAN_ROUTER" 8000
check_output "ping of the router is still answered by the built-in stack" \
	" 0% packet loss" in_lan ping -c 2 -i 0.2 -W 2 "$LAN_ROUTER"
check_output "a closed port on the router is refused by the gateway's kernel" \
	"refused|Connection refused|ConnectionRefused" nat_ask "$NS_LAN" "$LAN_ROUTER" 8001
check_output "REDIRECT of DNS: the resolver on port 1153 answers as $DNS_VIP:53" \
	"^$DNS_VIP:53 answer example.org\?\$" ask_udp "$NS_LAN" "$DNS_VIP" 53
check_output "conntrack -L shows the REDIRECT binding" \
	"udp .*src=$LAN_HOST dst=$DNS_VIP sport=[0-9]+ dport=53 .*src=$LAN_ROUTER dst=$LAN_HOST sport=1153" \
	tfctl conntrack -L
check_output "a program on the gateway reaches the WAN host from the WAN address" \
	"^$WAN_ROUTER:[0-9]+\$" nat_ask "$NS_GW" "$WAN_HOST" 80
check_output "DNAT in OUTPUT of a locally generated connection" \
	"^10\.[12]\.0\.1:[0-9]+\$" nat_ask "$NS_GW" "$OUT_VIP" 80
check_output "conntrack -L shows the OUTPUT DNAT binding" \
	"tcp .*dst=$OUT_VIP sport=[0-9]+ dport=80 .*src=$WAN_HOST dst=10\.[12]\.0\.1 sport=80" \
	tfctl conntrack -L

# ask_from NS SRC HOST PORT: as nat_ask, from the source address SRC.
ask_from()
{
	timeout 10 ip netns exec "$1" "$TF_PY" -c '
import socket, sys
c = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=5,
                             source_address=(sys.argv[1], 0))
print(c.makefile().readline().strip())
' "$2" "$3" "$4"
}

check_output "MASQUERADE in POSTROUTING of a connection from the LAN address" \
	"^$WAN_ROUTER:[0-9]+\$" ask_from "$NS_GW" "$LAN_ROUTER" "$WAN_HOST" 80

# Reload: the host TUN's kernel side follows a changed router address.
NEW_LAN_ROUTER=10.1.0.254
sed -i "s|^address = $LAN_ROUTER/24\$|address = $NEW_LAN_ROUTER/24|" "$TF_CONF"
check "reload with a new LAN address" tfctl reload
check "the host TUN's kernel side has the new address, not the old one" \
	sh -c "ip -n $NS_GW -o addr show dev $HOST_IF | grep -q 'inet $NEW_LAN_ROUTER/24' &&
		! ip -n $NS_GW -o addr show dev $HOST_IF | grep -q 'inet $LAN_ROUTER/24' &&
		ip -n $NS_GW -o addr show dev $HOST_IF | grep -q 'inet $WAN_ROUTER/24'"
check_output "the gateway's kernel answers at the new address (a closed port: refused)" \
	"refused|Connection refused|ConnectionRefused" nat_ask "$NS_LAN" "$NEW_LAN_ROUTER" 8001
