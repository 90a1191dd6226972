namespace MtSnn.Data;

/// <summary>
/// Finds and opens Fashion-MNIST or MNIST. Search order for the two files of a split (each as <c>NAME.gz</c> or raw <c>NAME</c>):
/// <c>--data DIR</c>, <c>DIR/name</c>, <c>$MTSNN_DATA/name</c>, the system folder (<c>/usr/share/datasets/fashion-mnist</c>);
/// then a download from the official mirror, verified against the known SHA-256; else one error line saying how to get the files.
/// </summary>
public static class IdxDatasets
{
    /// <summary>Opens <paramref name="split"/> of <paramref name="collection"/>: shape [1, 28, 28], pixels byte / 255.</summary>
    public static ByteImageDataset Open(IdxCollection collection, DatasetSplit split, DatasetOptions options)
    {
        options.Validate();
        var (images, labels) = IdxCollection.Files(split);
        string splitName = $"{collection.Name}/{(split == DatasetSplit.Train ? "train" : "test")}";
        var searched = options.SearchDirs(collection.Name, collection.SystemDir);
        foreach (string dir in searched)
        {
            if (Find(dir, images) is { } ip && Find(dir, labels) is { } lp)
                return IdxReader.ReadDataset(splitName, ip, lp, collection.ClassNames.Count, collection.ClassNames);
        }

        string where = searched.Count == 0 ? "no folder (no --data DIR, MTSNN_DATA unset)" : string.Join(", ", searched);
        string missing = $"{collection.Name}: {images}[.gz] and {labels}[.gz] not found in {where}";
        if (!options.AllowDownload) throw new DatasetException($"{missing}; downloads are off; {collection.InstallHint}");

        string target = options.DownloadDirFor(collection.Name);
        Uri mirror = options.MirrorOverride ?? collection.Mirror;
        try
        {
            foreach (string file in new[] { images, labels })
            {
                string gz = file + ".gz";
                string path = Path.Combine(target, gz);
                if (!File.Exists(path))
                    DatasetDownloader.Download(new Uri(mirror, gz), path, collection.Sha256[gz], options.DownloadTimeout);
            }
        }
        catch (DatasetException e)
        {
            throw new DatasetException($"{missing}; {e.Message}; {collection.InstallHint}", e);
        }
        return IdxReader.ReadDataset(splitName, Path.Combine(target, images + ".gz"), Path.Combine(target, labels + ".gz"),
            collection.ClassNames.Count, collection.ClassNames);
    }

    private static string? Find(string dir, string file)
    {
        string gz = Path.Combine(dir, file + ".gz");
        if (File.Exists(gz)) return gz;
        string raw = Path.Combine(dir, file);
        return File.Exists(raw) ? raw : null;
    }
}
