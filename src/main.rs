use towncockpit::cli::{run, Cli, Parsed};

fn main() -> std::process::ExitCode {
    let cli = match Cli::parse_chinese(std::env::args_os()) {
        Parsed::Run(cli) => cli,
        Parsed::Exit(text, code) => {
            if code == 0 {
                print!("{text}");
            } else {
                eprintln!("{text}");
            }
            return std::process::ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
