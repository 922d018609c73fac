using Reel.Engine.Core;
using Reel.Engine.Storage;

namespace Reel.Engine.Scripts;

/// <summary>
/// Reads a script or included file's text; a file that cannot be read is a diagnostic. Only a regular file of
/// at most <see cref="ProjectFiles.MaxYamlBytes"/> is read (a device or FIFO would never end or never start).
/// </summary>
public static class SourceReader
{
    /// <summary>The text of <paramref name="fullPath"/>, or null after reporting why it cannot be read.</summary>
    /// <param name="fullPath">Absolute path of the file.</param>
    /// <param name="displayName">How diagnostics name the file (as the user wrote it).</param>
    /// <param name="diagnostics">Receives <see cref="DiagnosticCodes.CannotRead"/>.</param>
    /// <param name="referencedFrom">Where the file is named (an <c>include:</c> item), or <see cref="SourceLocation.None"/>.</param>
    public static SourceFile? Read(string fullPath, string displayName, DiagnosticBag diagnostics, SourceLocation referencedFrom)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        try
        {
            var text = ProjectFiles.ReadText(fullPath, ProjectFiles.MaxYamlBytes);
            return new SourceFile(fullPath, displayName, text);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var reason = ex is FileNotFoundException or DirectoryNotFoundException ? "file not found"
                : Directory.Exists(fullPath) ? $"it is a directory; name the script file, e.g. '{Path.Combine(displayName, "storyboard.yaml")}'"
                : ex.Message;
            diagnostics.Report(DiagnosticCodes.CannotRead, $"cannot read '{displayName}': {reason}", referencedFrom.IsKnown ? referencedFrom : new SourceLocation(displayName, 0, 0));
            return null;
        }
    }
}
