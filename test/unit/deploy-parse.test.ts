/**
 * The deploy analysis' readers: firewall rulesets (nftables, iptables-restore), nginx
 * configuration (reverse-proxy routes and what restricts them), addresses.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { firewallReach, parseIptables, parseNftables } from "../../server/src/deploy/firewall";
import { BLOCKED, OPEN, RESTRICTED } from "../../server/src/deploy/model";
import { addressMatches, parsePort } from "../../server/src/deploy/net";
import { collectBlocks, locationFor, type NginxDirective, parseListen, parseNginx, serverFacts } from "../../server/src/deploy/nginx";

const WEB = ["192.0.2.10", "web"];

test("nftables: sets, named ports, saddr restrictions, policy, established-only rules", () => {
  const fw = parseNftables(`
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    tcp dport ssh accept
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    ip daddr 192.0.2.10 tcp dport { http, https } accept
    ip daddr 192.0.2.10 ip saddr 198.51.100.7 tcp dport ssh accept
  }
}`);
  assert.deepEqual(fw.chains.map((c) => [c.name, c.hook, c.policy]), [["input", "input", "drop"], ["forward", "forward", "drop"]]);
  assert.equal(firewallReach(fw, WEB, 80, "tcp")?.level, OPEN);
  assert.equal(firewallReach(fw, WEB, 443, "tcp")?.level, OPEN);
  const ssh = firewallReach(fw, WEB, 22, "tcp")!;
  assert.equal(ssh.level, RESTRICTED);
  assert.deepEqual(ssh.sources, ["198.51.100.7"]);
  assert.equal(firewallReach(fw, WEB, 5432, "tcp")?.level, BLOCKED, "the policy drops what no rule accepts");
  // the input chain protects the router itself, not the machines behind it
  assert.equal(firewallReach(fw, ["192.0.2.99"], 22, "tcp")?.level, BLOCKED);
});

test("nftables: defines, jumps to regular chains, `saddr != … drop`, one-line chains, add rule commands", () => {
  const fw = parseNftables(`
define admins = { 198.51.100.7, 198.51.100.8 }
define web = 192.0.2.10
table inet filter {
  chain forward { type filter hook forward priority 0; policy accept; }
  chain dmz {
    ip saddr $admins tcp dport ssh accept
    tcp dport ssh drop
  }
}
add rule inet filter forward ip daddr $web jump dmz
add rule inet filter forward ip daddr 192.0.2.11 tcp dport 8000-8100 ip saddr != 10.0.0.0/8 drop
`);
  const forward = fw.chains.find((c) => c.name === "forward")!;
  assert.equal(forward.hook, "forward");
  assert.equal(forward.rules.length, 2);
  const ssh = firewallReach(fw, WEB, 22, "tcp")!;
  assert.equal(ssh.level, RESTRICTED);
  assert.deepEqual(ssh.sources, ["198.51.100.7", "198.51.100.8"]);
  assert.equal(firewallReach(fw, WEB, 80, "tcp")?.level, OPEN, "the jumped-to chain returns, the policy accepts");
  assert.equal(firewallReach(fw, ["192.0.2.11"], 8050, "tcp")?.level, RESTRICTED, "only 10.0.0.0/8 gets through");
  assert.equal(firewallReach(fw, ["192.0.2.11"], 9000, "tcp")?.level, OPEN);
  assert.equal(firewallReach(fw, ["192.0.2.11"], 8050, "udp")?.level, OPEN, "a tcp rule does not match udp");
});

test("nftables: no forward chain means nothing is filtered there (undefined), not blocked", () => {
  const fw = parseNftables("table inet filter { chain input { type filter hook input priority 0; policy drop; } }");
  assert.equal(firewallReach(fw, WEB, 22, "tcp"), undefined);
});

test("iptables-restore: policies, -d with prefix, multiport, conntrack, negation, DNAT", () => {
  const fw = parseIptables(`*nat
:PREROUTING ACCEPT [0:0]
-A PREROUTING -i wan0 -p tcp --dport 2222 -j DNAT --to-destination 192.0.2.10:22
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A FORWARD -d 192.0.2.10/32 -p tcp -m multiport --dports 80,443 -j ACCEPT
-A FORWARD -d 192.0.2.10/32 -s 198.51.100.0/24 -p tcp --dport 22 -j ACCEPT
-A FORWARD ! -s 10.0.0.0/8 -d 192.0.2.10 -p tcp --dport 5432 -j DROP
-A FORWARD -d 192.0.2.10 -p tcp --dport 5432 -j ACCEPT
COMMIT
`);
  const forward = fw.chains.find((c) => c.name === "FORWARD")!;
  assert.equal(forward.policy, "drop");
  assert.equal(forward.rules[0].establishedOnly, true);
  assert.equal(firewallReach(fw, WEB, 443, "tcp")?.level, OPEN);
  assert.equal(firewallReach(fw, WEB, 22, "tcp")?.level, RESTRICTED);
  assert.equal(firewallReach(fw, WEB, 5432, "tcp")?.level, RESTRICTED);
  assert.equal(firewallReach(fw, WEB, 3306, "tcp")?.level, BLOCKED);
  const dnat = fw.chains.find((c) => c.name === "PREROUTING")!.rules[0];
  assert.equal(dnat.verdict, "dnat");
  assert.equal(dnat.target, "192.0.2.10:22");
});

test("a router with a rule per machine evaluates each machine against its own rules", () => {
  const lines = ["table inet filter {", " chain forward {", "  type filter hook forward priority 0; policy drop;"];
  for (let i = 0; i < 2000; i++) lines.push(`  ip daddr 10.1.${i >> 8}.${i & 255} tcp dport ssh accept`);
  lines.push(" }", "}");
  const fw = parseNftables(lines.join("\n"));
  for (let i = 0; i < 2000; i++) assert.equal(firewallReach(fw, [`10.1.${i >> 8}.${i & 255}`], 22, "tcp")?.level, OPEN);
});

test("ports and addresses: names, ranges, networks, IPv6 prefixes, host names", () => {
  assert.deepEqual(parsePort("ssh"), { lo: 22, hi: 22 });
  assert.deepEqual(parsePort("8000-8100"), { lo: 8000, hi: 8100 });
  assert.deepEqual(parsePort("8000:8100"), { lo: 8000, hi: 8100 });
  assert.equal(parsePort("nonsense"), undefined);
  assert.ok(addressMatches("192.0.2.0/24", ["192.0.2.10"]));
  assert.ok(!addressMatches("192.0.3.0/24", ["192.0.2.10"]));
  assert.ok(addressMatches("192.0.2.10/32", ["192.0.2.10"]));
  assert.ok(addressMatches("2001:db8::/32", ["2001:db8:1::5"]));
  assert.ok(!addressMatches("2001:db9::/32", ["2001:db8:1::5"]));
  assert.ok(addressMatches("[2001:db8::1]", ["2001:db8::1"]));
  assert.ok(addressMatches("Web.Example.org", ["web.example.org"]));
});

function servers(text: string): { servers: NginxDirective[][]; upstreams: Map<string, string[]> } {
  const blocks = { servers: [] as NginxDirective[][], upstreams: new Map<string, string[]>() };
  collectBlocks(parseNginx(text), blocks);
  return blocks;
}

test("nginx: proxy routes through upstreams, restrictions per location, longest prefix wins", () => {
  const b = servers(`
http {
  upstream shop { server 10.0.1.11:8080 weight=2; server 10.0.1.12; }
  server {
    listen 443 ssl;
    listen [::]:443 ssl;
    location / { proxy_pass http://shop; }
    location /admin/ { auth_basic "back office"; auth_basic_user_file /etc/nginx/admins; proxy_pass http://shop; }
    location = /health { allow 10.0.0.0/8; deny all; proxy_pass http://10.0.1.11:8080/health; }
    location /private/ { return 403; }
    location ~ \\.php$ { proxy_pass http://10.0.1.13:9000; }
  }
  server { listen 127.0.0.1:8081; location / { proxy_pass https://10.0.1.14; } }
}`);
  assert.equal(b.servers.length, 2);
  const s = serverFacts(b.servers[0], b.upstreams);
  assert.deepEqual(s.listens, [{ port: 443, loopback: false }, { port: 443, loopback: false }]);
  assert.deepEqual(s.locations.map((l) => l.path), ["/", "/admin/", "/health", "/private/"], "regex locations are skipped");
  assert.deepEqual(s.locations[0].targets, [{ host: "10.0.1.11", port: 8080 }, { host: "10.0.1.12", port: 80 }]);
  assert.equal(locationFor(s.locations, "/admin/orders")?.restriction, "auth_basic");
  assert.equal(locationFor(s.locations, "/shop")?.restriction, null);
  assert.equal(locationFor(s.locations, "/health")?.restriction, "allow 10.0.0.0/8");
  assert.equal(locationFor(s.locations, "/private/x")?.refuses, true);
  const local = serverFacts(b.servers[1], b.upstreams);
  assert.deepEqual(local.listens, [{ port: 8081, loopback: true }]);
  assert.deepEqual(local.locations[0].targets, [{ host: "10.0.1.14", port: 443 }]);
});

test("nginx listen values", () => {
  assert.deepEqual(parseListen("80"), { port: 80, loopback: false });
  assert.deepEqual(parseListen("443 ssl http2"), { port: 443, loopback: false });
  assert.deepEqual(parseListen("[::1]:8080"), { port: 8080, loopback: true });
  assert.deepEqual(parseListen("*:8000"), { port: 8000, loopback: false });
  assert.deepEqual(parseListen("localhost:9000"), { port: 9000, loopback: true });
  assert.equal(parseListen("unix:/run/nginx.sock"), undefined);
});
