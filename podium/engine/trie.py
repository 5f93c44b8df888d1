"""A radix trie over token sequences: every distinct token prefix appears exactly once.

The log-likelihood scorer forwards each trie node once, with the KV cache of its
ancestors as the past. The number of tokens in the trie is therefore the minimum any
exact prefix-sharing backend must forward (`Trie.size`), and the benchmark reports it.

The trie is built from the sorted sequences and the longest common prefix (LCP) of
neighbours, the classic stack construction, so building costs one sort plus one pass
over the shared tokens. Nodes keep a reference to one sequence that passes through
them instead of copying tokens. Splitting a node keeps the original object as the
*lower* part, so a sequence's terminal node never changes once assigned.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field


@dataclass(eq=False)
class Mark:
    """A position whose next-token log-prob is needed: `target` is scored into `slot`."""

    pos: int
    target: int
    slot: int


@dataclass(eq=False)
class Node:
    start: int
    end: int
    seq: Sequence[int] | None
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    size: int = 0
    """Tokens in this node's subtree, itself included."""
    count: int = 0
    """How many input sequences pass through (or end at) this node."""

    @property
    def length(self) -> int:
        return self.end - self.start

    def tokens(self) -> Sequence[int]:
        return self.seq[self.start : self.end] if self.seq is not None else ()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Node([{self.start},{self.end}) children={len(self.children)} marks={len(self.marks)})"


def common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    # Compare in chunks first: slices compare in C, which is much faster than a Python loop.
    step = 64
    while i + step <= n and a[i : i + step] == b[i : i + step]:
        i += step
    while i < n and a[i] == b[i]:
        i += 1
    return i


class Trie:
    """Radix trie over `sequences`; `terminal[i]` is the node where sequence `i` ends."""

    def __init__(self, sequences: Sequence[Sequence[int]]):
        self.root = Node(0, 0, None)
        self.terminal: list[Node] = [self.root] * len(sequences)
        order = sorted(range(len(sequences)), key=lambda i: sequences[i])
        path: list[Node] = [self.root]
        prev: Sequence[int] | None = None
        prev_i = -1
        for i in order:
            s = sequences[i]
            if not s:
                self.terminal[i] = self.root
                continue
            lcp = common_prefix_length(prev, s) if prev is not None else 0
            if prev is not None and lcp == len(s) == len(prev):
                self.terminal[i] = self.terminal[prev_i]
                continue
            while len(path) > 1 and path[-1].start >= lcp:
                path.pop()
            top = path[-1]
            if top.end > lcp:
                top = self._split(top, lcp)
                path[-1] = top
            leaf = Node(lcp, len(s), s, parent=top)
            top.children.append(leaf)
            path.append(leaf)
            self.terminal[i] = leaf
            prev, prev_i = s, i
        for i in range(len(sequences)):
            node = self.terminal[i]
            while node is not None:
                node.count += 1
                node = node.parent
        for node in self.postorder():
            node.size = node.length + sum(c.size for c in node.children)

    @staticmethod
    def _split(node: Node, at: int) -> Node:
        """Insert a new parent covering `[node.start, at)`; `node` keeps `[at, node.end)`."""
        upper = Node(node.start, at, node.seq, parent=node.parent)
        siblings = node.parent.children
        siblings[siblings.index(node)] = upper
        upper.children.append(node)
        node.parent = upper
        node.start = at
        return upper

    @property
    def size(self) -> int:
        """Distinct tokens: the forward cost of exact prefix sharing."""
        return self.root.size

    def postorder(self) -> Iterator[Node]:
        stack: list[tuple[Node, bool]] = [(self.root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                yield node
                continue
            stack.append((node, True))
            stack.extend((c, False) for c in node.children)

    def add_marks(self, index: int, first_pos: int, targets: Sequence[int], first_slot: int) -> None:
        """Attach scoring marks for sequence `index`: position `first_pos + k` predicts `targets[k]`."""
        node = self.terminal[index]
        for k in range(len(targets) - 1, -1, -1):
            pos = first_pos + k
            while pos < node.start:
                node = node.parent
            node.marks.append(Mark(pos, targets[k], first_slot + k))


def distinct_tokens(sequences: Sequence[Sequence[int]]) -> int:
    """Number of distinct prefixes (trie nodes) over `sequences`, without building nodes."""
    seqs = sorted(s for s in sequences if s)
    total, prev = 0, None
    for s in seqs:
        total += len(s) - (common_prefix_length(prev, s) if prev is not None else 0)
        prev = s
    return total
