#pragma once
// An output file named on the command line: checked for writability up front, written whole at the
// end through a temporary file and a rename, so a failed run never leaves half a report.
#include <string>

namespace coex::cli {

class OutputFile {
public:
    // option: the option's name for messages ("--json"); path: empty = not requested, "-" = stdout.
    OutputFile(std::string option, std::string path);
    [[nodiscard]] bool active() const { return !path_.empty(); }
    [[nodiscard]] bool is_stdout() const { return path_ == "-"; }
    void write(const std::string& text) const;

private:
    std::string option_, path_;
};

}  // namespace coex::cli
