using Microsoft.Data.Sqlite;

namespace Reel.Engine.Storage;

/// <summary>
/// The files Reel keeps beside a script cannot be used (a damaged journal, a full disk, a folder that is a file). The
/// message names the file and the fix; the command line prints it and exits 2.
/// </summary>
public sealed class ProjectStateException : Exception
{
    public ProjectStateException()
    {
    }

    public ProjectStateException(string message)
        : base(message)
    {
    }

    public ProjectStateException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>What a SQLite failure on the journal at <paramref name="path"/> means for the user, and what to do.</summary>
    internal static ProjectStateException FromJournal(string path, SqliteException ex)
    {
        var file = DisplayPath(path);
        var reason = ex.SqliteErrorCode switch
        {
            // SQLITE_NOTADB, SQLITE_CORRUPT
            26 or 11 => $"the journal {file} is damaged ({Detail(ex)}); move it aside (e.g. `mv {file} {file}.damaged`) and run again: locked steps stay cached, and jobs still running are found again where the provider can list them",

            // SQLITE_FULL
            13 => $"the disk is full while writing the journal {file}; free some space and run again: nothing recorded before is lost",

            // SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_IOERR, SQLITE_PERM
            14 or 8 or 10 or 3 => $"the journal {file} cannot be written ({Detail(ex)}); check that its folder is a folder you can write, with space left",
            _ => $"the journal {file} failed ({Detail(ex)}); if it persists, move it aside (e.g. `mv {file} {file}.damaged`) and run again",
        };
        return new ProjectStateException(reason, ex);
    }

    /// <summary>SQLite's own words, without the "SQLite Error N:" prefix.</summary>
    private static string Detail(SqliteException ex)
    {
        var text = ex.Message;
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        return (text.StartsWith("SQLite Error", StringComparison.Ordinal) && colon > 0 ? text[(colon + 2)..] : text).Trim().TrimEnd('.').Trim('\'');
    }

    /// <summary><c>.reel/state.db</c> for a journal beside the script; the full path otherwise.</summary>
    private static string DisplayPath(string path)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(path));
        return folder == ".reel" ? $".reel/{Path.GetFileName(path)}" : path;
    }
}
