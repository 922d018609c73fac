using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>
/// Resolves the paths a script names (assets, includes, outputs) against its directory and keeps
/// them inside that directory tree unless <see cref="LoadOptions.AllowOutside"/>.
/// </summary>
internal sealed class ScriptPaths(string scriptDirectory, bool allowOutside, DiagnosticBag diagnostics)
{
    /// <summary>The paths of the script at <paramref name="scriptPath"/>.</summary>
    public static ScriptPaths For(string scriptPath, LoadOptions options, DiagnosticBag diagnostics) =>
        new(Path.GetDirectoryName(scriptPath)!, options.AllowOutside, diagnostics);

    /// <summary>The script's directory; relative paths are resolved against it.</summary>
    public string Directory => scriptDirectory;

    /// <summary>The absolute path of a file the script names, or null after reporting why it may not be used.</summary>
    /// <param name="path">The path as written.</param>
    /// <param name="location">Where it is written.</param>
    /// <param name="mustExist">Whether a missing file is an error (<see cref="DiagnosticCodes.FileNotFound"/>).</param>
    /// <param name="relativeTo">The directory of the file that names it, when not the script's.</param>
    public string? Resolve(string path, SourceLocation location, bool mustExist, string? relativeTo = null)
    {
        relativeTo ??= scriptDirectory;
        if (Path.IsPathRooted(path) && !allowOutside)
        {
            diagnostics.Report(DiagnosticCodes.AbsolutePath, $"absolute path '{path}' is not allowed; use a path relative to the script (or --allow-outside)", location);
            return null;
        }

        var full = Path.GetFullPath(Path.Combine(relativeTo, path));
        var root = scriptDirectory.EndsWith(Path.DirectorySeparatorChar) ? scriptDirectory : scriptDirectory + Path.DirectorySeparatorChar;
        if (!allowOutside && !full.StartsWith(root, StringComparison.Ordinal))
        {
            diagnostics.Report(DiagnosticCodes.PathEscapes, $"path '{path}' leaves the script's directory; keep assets beside the script (or --allow-outside)", location);
            return null;
        }

        if (mustExist && !System.IO.File.Exists(full))
        {
            diagnostics.Report(DiagnosticCodes.FileNotFound, $"file not found: '{path}'{MissingFileHint(full)}", location);
            return null;
        }

        return full;
    }

    /// <summary>The file a scalar names, or null after reporting why it may not be used.</summary>
    public FileRef? File(YScalar node, bool mustExist, string? relativeTo = null)
    {
        var full = Resolve(node.Value, node.Location, mustExist, relativeTo);
        return full is null ? null : new FileRef(full, node.Location);
    }

    /// <summary>" (did you mean 'x.png'?)" when a file of a close name sits where the missing one was expected.</summary>
    public static string MissingFileHint(string full)
    {
        var parent = Path.GetDirectoryName(full);
        return parent is not null && System.IO.Directory.Exists(parent)
            ? Suggestions.DidYouMean(Path.GetFileName(full), System.IO.Directory.EnumerateFiles(parent).Select(Path.GetFileName).OfType<string>())
            : "";
    }
}
