using Reel.Engine.Core;
using Reel.Engine.Media;
using Reel.Engine.Storage;

namespace Reel.Engine.Scripts;

/// <summary>What a script's input file is used as; images are checked down to their header.</summary>
internal enum InputKind
{
    Media,
    Image,
}

/// <summary>
/// Resolves the paths a script names (assets, includes, outputs) against its directory and keeps
/// them inside that directory tree unless <see cref="LoadOptions.AllowOutside"/>, links resolved.
/// An input must be a regular file within its size cap, and an image must have a header Reel can
/// read with no more pixels than the budget (docs/files-and-state.md).
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
    /// <param name="kind">What an input that must exist is used as.</param>
    public string? Resolve(string path, SourceLocation location, bool mustExist, string? relativeTo = null, InputKind kind = InputKind.Media)
    {
        relativeTo ??= scriptDirectory;
        if (path.Any(char.IsControl))
        {
            // A NUL (or another control character) is no file name any file system takes.
            diagnostics.Report(DiagnosticCodes.CannotUseFile, $"cannot use the path '{string.Concat(path.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()))}': it holds a control character; name a file", location);
            return null;
        }

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

        if (!allowOutside && LeadsOutside(Path.Combine(relativeTo, path), location, path))
        {
            return null;
        }

        if (mustExist && System.IO.Directory.Exists(full))
        {
            diagnostics.Report(DiagnosticCodes.CannotUseFile, $"cannot use '{path}': it is a directory; name a file", location);
            return null;
        }

        if (mustExist && !System.IO.File.Exists(full))
        {
            diagnostics.Report(DiagnosticCodes.FileNotFound, $"file not found: '{path}'{MissingFileHint(full)}", location);
            return null;
        }

        return mustExist && !IsUsable(full, path, location, kind) ? null : full;
    }

    /// <summary>Reports a path whose links lead outside the script's directory (the lexical check already passed).</summary>
    private bool LeadsOutside(string path, SourceLocation location, string written)
    {
        try
        {
            if (ProjectFiles.IsWithin(path, scriptDirectory))
            {
                return false;
            }

            diagnostics.Report(DiagnosticCodes.PathEscapes, $"path '{written}' leads through a link outside the script's directory; keep assets beside the script (or --allow-outside)", location);
        }
        catch (IOException ex)
        {
            diagnostics.Report(DiagnosticCodes.CannotUseFile, $"cannot use '{written}': {ex.Message}", location);
        }

        return true;
    }

    /// <summary>A regular file within its cap; an image with a readable header within the pixel budget.</summary>
    private bool IsUsable(string full, string written, SourceLocation location, InputKind kind)
    {
        if (ProjectFiles.ReadProblem(full, kind == InputKind.Image ? ProjectFiles.MaxImageBytes : ProjectFiles.MaxMediaBytes) is { } problem)
        {
            diagnostics.Report(DiagnosticCodes.CannotUseFile, $"cannot use '{written}': {problem}", location);
            return false;
        }

        if (kind != InputKind.Image)
        {
            return true;
        }

        try
        {
            using var stream = ProjectFiles.OpenRead(full, ProjectFiles.MaxImageBytes);
            var header = ImageCodec.ReadHeader(stream, written, checkBudget: false);
            if (ImageCodec.BudgetProblem(header, written) is not { } problemWithSize)
            {
                return true;
            }

            diagnostics.Report(DiagnosticCodes.ImageTooLarge, problemWithSize, location);
        }
        catch (InvalidDataException ex)
        {
            diagnostics.Report(DiagnosticCodes.NotAnImage, ex.Message, location);
        }
        catch (IOException ex)
        {
            diagnostics.Report(DiagnosticCodes.CannotUseFile, $"cannot use '{written}': {ex.Message}", location);
        }

        return false;
    }

    /// <summary>The file a scalar names, or null after reporting why it may not be used.</summary>
    public FileRef? File(YScalar node, bool mustExist, string? relativeTo = null, InputKind kind = InputKind.Media)
    {
        var full = Resolve(node.Value, node.Location, mustExist, relativeTo, kind);
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
