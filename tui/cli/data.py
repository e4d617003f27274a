"""`learn-gpt data info` and `learn-gpt data download`: where the data is, and fetching it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from tui.cli.options import DataDir

app = typer.Typer(help="See and fetch the data sets.", no_args_is_help=True)


@app.command("info")
def info(data_dir: DataDir = None) -> None:
    """Say which data sets are where: bundled samples, data directories, the cache."""
    from engine.data import sources  # here, not above: it loads http.client, slow to import

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


@app.command("download")
def download(
    name: Annotated[str, typer.Argument(help="mnist or tinyshakespeare.")],
    force: Annotated[bool, typer.Option(help="Download again even if present.")] = False,
    mirror: Annotated[
        str | None, typer.Option(help="Base URL of a mirror holding the files.")
    ] = None,
) -> None:
    """Download a full data set into the user cache, checking every file's checksum."""
    from engine.data import sources
    from engine.data.download import download_all
    from engine.destination import check_folder

    datasets = sources.catalog(mirror)
    if name not in datasets:
        raise typer.BadParameter(
            f"unknown data set {name!r}: choose {', '.join(datasets)}", param_hint="NAME"
        )
    dest = sources.cache_dir() / name
    check_folder(dest, f"cannot download {name} into {dest}")  # a full disk: now, not mid-file
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
