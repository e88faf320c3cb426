/** The ports a swarm's members must reach on each other, and nobody else: spelled once (the README lists the same). */
export interface SwarmPort {
  protocol: "tcp" | "udp";
  port: number;
  what: string;
}

export const SWARM_PORTS: readonly SwarmPort[] = [
  { protocol: "tcp", port: 2377, what: "cluster management (joins, managers)" },
  { protocol: "tcp", port: 7946, what: "node discovery (gossip)" },
  { protocol: "udp", port: 7946, what: "node discovery (gossip)" },
  { protocol: "udp", port: 4789, what: "overlay network traffic (VXLAN)" },
];
