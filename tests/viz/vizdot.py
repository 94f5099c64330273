"""A small reader of the DOT text graphviz's Python package writes, so tests can assert the structure."""
import re

_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|<.*>|[^\s\]]+)')
_EDGE = re.compile(r"^(\S+) -> (\S+)(?: \[(.*)\])?$")
_NODE = re.compile(r"^(\S+) \[(.*)\]$")


def _attrs(text):
    out = {}
    for key, value in _ATTR.findall(text or ""):
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"')
        out[key] = value
    return out


class Dot:
    """Parsed DOT: ``nodes`` {id: attrs (+ 'cluster': innermost cluster name)}, ``edges`` [(u, v, attrs)],
    ``clusters`` {name: {'label', 'parent', 'nodes'}}."""

    def __init__(self, source):
        self.nodes, self.edges, self.clusters = {}, [], {}
        stack = []
        for raw in source.splitlines():
            line = raw.strip()
            if line.startswith("subgraph "):
                name = line.split()[1]
                self.clusters[name] = {"label": None, "parent": stack[-1] if stack else None, "nodes": []}
                stack.append(name)
            elif line == "}":
                if stack:
                    stack.pop()
            elif (m := _EDGE.match(line)):
                if m.group(1).startswith("legend_"):
                    continue  # the legend's invisible layout edges
                self.edges.append((m.group(1), m.group(2), _attrs(m.group(3))))
            elif (m := _NODE.match(line)) and m.group(1) not in ("node", "edge", "graph"):
                attrs = _attrs(m.group(2))
                attrs["cluster"] = stack[-1] if stack else None
                self.nodes[m.group(1)] = attrs
                if stack:
                    self.clusters[stack[-1]]["nodes"].append(m.group(1))
            elif stack and "label=" in line and "[" not in line:
                self.clusters[stack[-1]]["label"] = _attrs(line).get("label")

    def by_fill(self, colour):
        return [n for n, a in self.nodes.items() if a.get("fillcolor") == colour and not n.startswith("legend")]

    def graph_nodes(self):
        """Nodes of the picture proper (the legend left out)."""
        return {n: a for n, a in self.nodes.items() if not n.startswith("legend")}

    def label(self, node):
        return self.nodes[node].get("label", "").replace("\\n", "\n")

    def cluster_of_label(self, label):
        names = [n for n, c in self.clusters.items() if c["label"] == label]
        assert len(names) == 1, (label, [c["label"] for c in self.clusters.values()])
        return names[0]

    def nodes_within(self, cluster):
        """Nodes in ``cluster`` or any cluster nested in it."""
        inside = set(self.clusters[cluster]["nodes"])
        for name, c in self.clusters.items():
            p = c["parent"]
            while p is not None:
                if p == cluster:
                    inside.update(c["nodes"])
                    break
                p = self.clusters[p]["parent"]
        return inside
