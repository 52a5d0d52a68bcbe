#pragma once
// Runs programs for the end-to-end tests with a time limit: nothing a test starts can hang it.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace coex::test {

struct Finished {
    int code = -1;          // exit code; -1 when killed by a signal or the time limit
    bool timed_out = false;
    double seconds = 0.0;
    std::string out, err;
};

// A child process in its own process group, stdout and stderr into files.
class Child {
public:
    Child(const std::vector<std::string>& argv, const std::filesystem::path& dir, const std::vector<std::string>& env = {})
        : out_(dir / ("out-" + std::to_string(counter()++))), err_(out_.string() + ".err") {
        start_ = std::chrono::steady_clock::now();
        pid_ = ::fork();
        if (pid_ == 0) {
            ::setpgid(0, 0);
            const int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(o, 1);
            ::dup2(e, 2);
            for (const auto& kv : env) ::putenv(const_cast<char*>(kv.c_str()));
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execvp(args[0], args.data());
            ::_exit(127);
        }
    }
    ~Child() {
        if (pid_ > 0 && !reaped_) {
            ::kill(-pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    void signal(int sig) const { ::kill(pid_, sig); }
    [[nodiscard]] bool running() {
        if (reaped_) return false;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            reaped_ = true;
            status_ = status;
            return false;
        }
        return true;
    }

    // Waits up to `limit`; then kills the whole group.
    Finished wait(std::chrono::duration<double> limit) {
        Finished f;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(limit);
        while (running()) {
            if (std::chrono::steady_clock::now() >= deadline) {
                ::kill(-pid_, SIGKILL);
                int status = 0;
                ::waitpid(pid_, &status, 0);
                reaped_ = true;
                status_ = status;
                f.timed_out = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        f.code = !f.timed_out && WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
        f.out = slurp(out_);
        f.err = slurp(err_);
        return f;
    }

private:
    static int& counter() {
        static int n = 0;
        return n;
    }
    static std::string slurp(const std::filesystem::path& p) {
        std::ifstream in(p);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    std::filesystem::path out_, err_;
    pid_t pid_ = -1;
    bool reaped_ = false;
    int status_ = 0;
    std::chrono::steady_clock::time_point start_;
};

inline Finished run(const std::vector<std::string>& argv, const std::filesystem::path& dir, double limit_s = 30.0,
                    const std::vector<std::string>& env = {}) {
    Child c(argv, dir, env);
    return c.wait(std::chrono::duration<double>(limit_s));
}

}  // namespace coex::test
