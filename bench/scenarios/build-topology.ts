/** One entry point for every generated topology shape. */
import { chainTopology } from './chain-topology.ts';
import { microserviceTopology } from './microservice-topology.ts';
import { networkTreeTopology } from './network-tree-topology.ts';
import { threeTierTopology } from './three-tier-topology.ts';
import type { GenTopology, TopologyShape, TopologySize } from './scenario.ts';
import type { SeededPrng } from './seeded-prng.ts';

export function buildTopology(shape: TopologyShape, size: TopologySize, rng: SeededPrng): GenTopology {
  switch (shape) {
    case 'microservice':
      return microserviceTopology(size, rng);
    case 'three-tier':
      return threeTierTopology(size, rng);
    case 'network-tree':
      return networkTreeTopology(size, rng);
    case 'chain':
      return chainTopology(size, rng);
  }
}
