/**
 * Where an app's backing services run on a cluster: on the one node labelled `fdock.data.APP`,
 * which holds their data volumes. The first deploy labels the cluster's first manager, unless the
 * user labelled another node before (`docker node update --label-add fdock.data.APP=true NODE`);
 * each service records that node's machine (its DATA_MACHINE_LABEL), and a later deploy keeps
 * them there: one that would start them on another node (with empty volumes) is refused.
 */
import type Docker from "dockerode";
import { UserError } from "../../errors.js";
import type { ServiceKind } from "../../project/model.js";
import { DATA_MACHINE_LABEL, dataLabel } from "../../render/swarm-services.js";
import type { ClusterConfig } from "../store.js";
import { MACHINE_LABEL, updateNode, type NodeRecord } from "../swarm-ops.js";
import type { SwarmNode } from "../swarm-node.js";

const machineOf = (n: NodeRecord) => n.Spec.Labels?.[MACHINE_LABEL] ?? n.Description?.Hostname ?? n.ID;
/** How `docker node update` names a node: its host name. */
const nodeRef = (n: NodeRecord | undefined) => n?.Description?.Hostname ?? n?.ID ?? "NODE";

/** The machine each deployed service of the app records its data on (none on a first deploy). */
async function recordedMachines(docker: Docker, app: string, kinds: ServiceKind[]): Promise<Array<{ kind: ServiceKind; machine: string }>> {
  const out: Array<{ kind: ServiceKind; machine: string }> = [];
  for (const kind of kinds) {
    const spec = await docker.getService(`${app}_${kind}`).inspect().then((s: { Spec?: { Labels?: Record<string, string> } }) => s.Spec, () => undefined);
    const machine = spec?.Labels?.[DATA_MACHINE_LABEL];
    if (machine) out.push({ kind, machine });
  }
  return out;
}

/**
 * The machine that holds (or, on a first deploy, will hold) the app's services and their data;
 * labels it on a first deploy. A UserError, before anything changes, when that node is gone,
 * lost its label, is not the one the data is on, or is down.
 */
export async function placeServices(manager: { name: string; docker: Docker }, cluster: ClusterConfig, app: string, kinds: ServiceKind[]): Promise<string> {
  const label = dataLabel(app);
  const nodes = (await manager.docker.listNodes()) as NodeRecord[];
  const labelled = nodes.filter((n) => n.Spec.Labels?.[label] !== undefined);
  const recorded = await recordedMachines(manager.docker, app, kinds);
  const context = `docker --context fdock-${manager.name}`;
  if (labelled.length > 1) {
    throw new UserError(
      `Nodes ${labelled.map(machineOf).join(" and ")} of cluster ${cluster.name} are all labelled ${label}: ${app}'s services (${kinds.join(", ")}) run on one node, with their data.`,
      `Keep the label on the node that holds the data only: \`${context} node update --label-rm ${label} NODE\`.`,
    );
  }
  const node = labelled[0];
  if (!node) {
    if (recorded.length) {
      const where = recorded[0]!.machine;
      const member = nodes.find((n) => machineOf(n) === where);
      throw new UserError(
        `${app}'s ${recorded.map((r) => r.kind).join(" and ")} data is on machine ${where}, which ${member ? `no longer has the label ${label}` : `is no longer a node of cluster ${cluster.name}`}: deploying would start ${recorded.length > 1 ? "them" : "it"} on another node with no data.`,
        member
          ? `Put the label back: \`${context} node update --label-add ${label}=true ${nodeRef(member)}\`, then deploy again.`
          : `Add ${where} back (\`fdock cluster add ${cluster.name} --worker ${where}\`) and label it (\`${context} node update --label-add ${label}=true NODE\`); or, to start again with empty services elsewhere, \`${context} stack rm ${app}\`, label another node and deploy (the old data stays on ${where}).`,
      );
    }
    // A first deploy: the first manager holds the data.
    const first = nodes.find((n) => machineOf(n) === cluster.managers[0]) ?? nodes.find((n) => n.Spec.Role === "manager")!;
    await updateNode({ machine: manager.name, docker: manager.docker } as SwarmNode, first.ID, (spec) => ({ ...spec, Labels: { ...spec.Labels, [label]: "true" } }));
    return machineOf(first);
  }
  const machine = machineOf(node);
  const moved = recorded.find((r) => r.machine !== machine);
  if (moved) {
    throw new UserError(
      `${app}'s ${moved.kind} data is on machine ${moved.machine}, but the label ${label} is now on ${machine}: fdock does not move data between nodes.`,
      `Put the label back on ${moved.machine}: \`${context} node update --label-rm ${label} ${nodeRef(node)}\`, then \`${context} node update --label-add ${label}=true ${nodeRef(nodes.find((n) => machineOf(n) === moved.machine))}\`.`,
    );
  }
  if (node.Status?.State !== "ready" || node.Spec.Availability !== "active") {
    throw new UserError(
      `Machine ${machine}, which holds ${app}'s services (${kinds.join(", ")}) and their data, is ${node.Status?.State !== "ready" ? `not ready (${node.Status?.State ?? "unknown"})` : `not active (${node.Spec.Availability})`} in cluster ${cluster.name}.`,
      `Bring it back (\`fdock machine status ${machine}\`, \`${context} node update --availability active ${nodeRef(node)}\`), then deploy again.`,
    );
  }
  return machine;
}
