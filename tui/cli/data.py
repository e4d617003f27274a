"""`learn-gpt data info` and `learn-gpt data download`: where the data is, and fetching it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from engine.data import sources


def info(data_dir: Path | None) -> None:
    console = Console(highlight=False)
    table = Table(title="learn-gpt data", title_justify="left")
    table.add_column("data set")
    table.add_column("where", overflow="fold")
    table.add_column("from")
    table.add_row(
        "MNIST sample",
        str(sources.BUNDLED_DIR / "mnist-sample"),
        "bundled: 8,000 train / 2,000 test digits",
    )
    for name, files in sources.catalog().items():
        found = sources.find_dataset(name, [f.name for f in files], data_dir)
        if found is None and name == "mnist":
            found = sources.find_dataset("", ["mnist.pkl.gz"], data_dir)
        origin, folder = found if found else ("-", None)
        table.add_row(name, str(folder) if folder else "[red]not found[/red]", origin)
    console.print(table)
    console.print("Looked in: " + "; ".join(f"{o} {p}" for o, p in sources.search_dirs(data_dir)))
    console.print("Fetch a full set with: learn-gpt data download mnist (or tinyshakespeare)")


def download(name: str, force: bool, mirror: str | None) -> None:
    from engine.data.download import download_all

    datasets = sources.catalog(mirror)
    if name not in datasets:
        raise typer.BadParameter(
            f"unknown data set {name!r}: choose {', '.join(datasets)}", param_hint="NAME"
        )
    dest = sources.cache_dir() / name
    console = Console(highlight=False)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        tasks: dict[str, int] = {}

        def on_progress(file: str, done: int, total: int | None) -> None:
            if file not in tasks:
                tasks[file] = progress.add_task(file, total=total)
            progress.update(tasks[file], completed=done, total=total)

        paths = download_all(datasets[name], dest, on_progress, force=force)
    console.print(f"{name}: {len(paths)} file(s) verified in {dest}")
