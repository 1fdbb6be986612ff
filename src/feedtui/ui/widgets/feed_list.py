"""The feeds pane: the smart views, then the OPML folders and their feeds with unread counts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import var
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from feedtui.core.models import Subscription
from feedtui.core.refresh import display_title
from feedtui.core.sanitize import clean_line
from feedtui.core.store import FeedSummary

ViewKind = Literal["unread", "starred", "stories", "folder", "feed"]


@dataclass(frozen=True, slots=True)
class View:
    """What the entries pane lists: a smart view, a folder or one feed."""

    kind: ViewKind
    """Which sort of view this is."""
    url: str = ""
    """The feed's URL, for a feed view."""
    folder: tuple[str, ...] = ()
    """The folder's path, for a folder view."""

    def includes(self, subscription: Subscription) -> bool:
        """Does this view draw on `subscription`'s entries?"""
        if self.kind == "feed":
            return subscription.url == self.url
        if self.kind == "folder":
            return subscription.folder[: len(self.folder)] == self.folder
        return True


ALL_UNREAD = View("unread")
"""Every unread post of every feed, newest first."""
STARRED = View("starred")
"""Every starred post."""
STORIES = View("stories")
"""Events covered by several feeds, one row each, highest rank first."""


@dataclass
class _Folder:
    path: tuple[str, ...]
    children: list[_Folder | Subscription] = field(default_factory=list)
    folders: dict[str, _Folder] = field(default_factory=dict)


def _outline(subscriptions: Iterable[Subscription]) -> _Folder:
    """The folder tree, each level in the order its items first appear in the OPML."""
    root = _Folder(())
    for subscription in subscriptions:
        node = root
        for name in subscription.folder:
            child = node.folders.get(name)
            if child is None:
                child = node.folders[name] = _Folder((*node.path, name))
                node.children.append(child)
            node = child
        node.children.append(subscription)
    return root


def _walk(folder: _Folder) -> Iterator[Subscription]:
    for child in folder.children:
        if isinstance(child, _Folder):
            yield from _walk(child)
        else:
            yield child


def tree_order(subscriptions: Iterable[Subscription]) -> list[Subscription]:
    """The feeds in the order the feeds pane shows them (what n and p walk through)."""
    return list(_walk(_outline(subscriptions)))


def feed_title(subscription: Subscription, summary: FeedSummary | None) -> str:
    """The cleaned name shown for a feed."""
    return clean_line(display_title(subscription, summary.state.title if summary else ""))


def feed_label(title: str, summary: FeedSummary | None) -> Text:
    """`title  (unread)`, with "!" and the error style for a failing feed; never markup."""
    failing = summary is not None and summary.state.status in ("error", "gone")
    label = Text(no_wrap=True, end="")
    if failing:
        label.append("! ", style="bold red")
    label.append(title, style="red" if failing else "")
    if summary is not None and summary.unread:
        label.append(f"  ({summary.unread})", style="bold")
    return label


class FeedList(Tree[View]):
    """The feeds pane; tells the screen which view the user moved to or opened."""

    DEFAULT_CSS = """
    FeedList {
        & > .tree--guides { color: $foreground 30%; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    subscriptions: var[tuple[Subscription, ...]] = var(())
    """The subscriptions, in OPML order."""
    summaries: var[dict[str, FeedSummary]] = var(dict)
    """Status and counts of each feed, by URL."""

    @dataclass
    class FeedSelected(Message):
        """The user moved to a view (or opened it with Enter)."""

        view: View
        """The view chosen."""
        activated: bool = False
        """True when the user pressed Enter on it, rather than just moving there."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("Feeds", id=id, classes=classes)
        self.show_root = False
        self.auto_expand = False
        self._view_nodes: dict[View, TreeNode[View]] = {}

    def process_label(self, label: str | Text) -> Text:
        # Tree parses a str label as markup; ours are data, so a str is shown as it is.
        return Text(label) if isinstance(label, str) else label

    @property
    def current_view(self) -> View | None:
        """The view under the cursor."""
        node = self.cursor_node
        return node.data if node is not None else None

    def show_view(self, view: View) -> None:
        """Move the cursor to `view`'s node (expanding its folders)."""
        node = self._view_nodes.get(view)
        if node is None:
            return
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        self.call_after_refresh(self.move_cursor, node)

    def watch_subscriptions(self) -> None:
        self._rebuild()

    def watch_summaries(self) -> None:
        self._relabel()

    def _rebuild(self) -> None:
        """Rebuild the tree, keeping the cursor's view and collapsed folders."""
        chosen = self.current_view or ALL_UNREAD
        collapsed = {
            view
            for view, node in self._view_nodes.items()
            if view.kind == "folder" and not node.is_expanded
        }
        self.clear()
        self._view_nodes = {}
        for view in (ALL_UNREAD, STARRED, STORIES):
            self._view_nodes[view] = self.root.add_leaf("", data=view)
        self._add_folder(self.root, _outline(self.subscriptions), collapsed)
        self._relabel()
        self.show_view(chosen if chosen in self._view_nodes else ALL_UNREAD)

    def _add_folder(self, parent: TreeNode[View], folder: _Folder, collapsed: set[View]) -> None:
        for child in folder.children:
            if isinstance(child, _Folder):
                view = View("folder", folder=child.path)
                node = parent.add("", data=view, expand=view not in collapsed)
                self._view_nodes[view] = node
                self._add_folder(node, child, collapsed)
            else:
                view = View("feed", url=child.url)
                self._view_nodes[view] = parent.add_leaf("", data=view)

    def _relabel(self) -> None:
        """Bring every label up to date with the summaries."""
        summaries = self.summaries
        by_url = {s.url: s for s in self.subscriptions}
        total_unread = sum(summary.unread for summary in summaries.values())
        for view, node in self._view_nodes.items():
            if view.kind == "feed":
                summary = summaries.get(view.url)
                label = feed_label(feed_title(by_url[view.url], summary), summary)
            elif view.kind == "folder":
                unread = sum(
                    summaries[s.url].unread
                    for s in self.subscriptions
                    if view.includes(s) and s.url in summaries
                )
                label = feed_label(clean_line(view.folder[-1]), None)
                if unread:
                    label.append(f"  ({unread})", style="bold")
            elif view.kind == "unread":
                label = Text("All unread", style="bold", end="")
                if total_unread:
                    label.append(f"  ({total_unread})")
            elif view.kind == "stories":
                label = Text("◆ Stories", style="bold", end="")
            else:
                label = Text("★ Starred", style="bold", end="")
            if node.label != label:
                node.set_label(label)

    @on(Tree.NodeHighlighted)
    def _moved_to(self, event: Tree.NodeHighlighted[View]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.FeedSelected(event.node.data))

    @on(Tree.NodeSelected)
    def _opened(self, event: Tree.NodeSelected[View]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.FeedSelected(event.node.data, activated=True))


def titles_by_url(
    subscriptions: Iterable[Subscription], summaries: Mapping[str, FeedSummary]
) -> dict[str, str]:
    """The cleaned display name of every feed, by URL."""
    return {s.url: feed_title(s, summaries.get(s.url)) for s in subscriptions}
