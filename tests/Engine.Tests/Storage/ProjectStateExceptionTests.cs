using Microsoft.Data.Sqlite;
using Reel.Engine.Storage;

namespace Reel.Engine.Tests.Storage;

/// <summary>What a SQLite failure on the journal tells the user: the file, what went wrong, and what to do.</summary>
public sealed class ProjectStateExceptionTests
{
    private static readonly string Journal = Path.Combine(Path.GetTempPath(), "project", ".reel", "state.db");

    [Fact]
    public void A_full_disk_names_the_journal_and_the_fix()
    {
        var ex = ProjectStateException.FromJournal(Journal, new SqliteException("SQLite Error 13: 'database or disk is full'.", 13));

        Assert.Equal("the disk is full while writing the journal .reel/state.db; free some space and run again: nothing recorded before is lost", ex.Message);
        Assert.IsType<SqliteException>(ex.InnerException);
    }

    [Theory]
    [InlineData(26, "the journal .reel/state.db is damaged (file is not a database); move it aside (e.g. `mv .reel/state.db .reel/state.db.damaged`)")]
    [InlineData(11, "the journal .reel/state.db is damaged (file is not a database); move it aside")]
    [InlineData(10, "the journal .reel/state.db cannot be written (file is not a database); check that its folder is a folder you can write, with space left")]
    [InlineData(1, "the journal .reel/state.db failed (file is not a database); if it persists, move it aside")]
    public void Other_failures_name_the_journal_and_what_to_do(int code, string expected)
    {
        var ex = ProjectStateException.FromJournal(Journal, new SqliteException("SQLite Error " + code + ": 'file is not a database'.", code));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SQLite Error", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_journal_elsewhere_is_named_by_its_full_path()
    {
        var elsewhere = Path.Combine(Path.GetTempPath(), "journals", "shared.db");

        var ex = ProjectStateException.FromJournal(elsewhere, new SqliteException("SQLite Error 13: 'database or disk is full'.", 13));

        Assert.Contains($"the journal {elsewhere};", ex.Message, StringComparison.Ordinal);
    }
}
